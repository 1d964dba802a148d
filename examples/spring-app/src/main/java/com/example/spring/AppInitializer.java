package com.example.spring;

import jakarta.servlet.FilterRegistration;
import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import org.springframework.web.WebApplicationInitializer;
import org.springframework.web.context.support.AnnotationConfigWebApplicationContext;
import org.springframework.web.servlet.DispatcherServlet;

/** Started by the container through Spring's ServletContainerInitializer: no web.xml servlet. */
public class AppInitializer implements WebApplicationInitializer {

    @Override
    public void onStartup(ServletContext servletContext) {
        AnnotationConfigWebApplicationContext context = new AnnotationConfigWebApplicationContext();
        context.register(WebConfig.class);
        ServletRegistration.Dynamic dispatcher = servletContext.addServlet("dispatcher", new DispatcherServlet(context));
        dispatcher.setLoadOnStartup(1);
        // Controllers may answer later, from another thread (Callable, DeferredResult).
        dispatcher.setAsyncSupported(true);
        dispatcher.addMapping("/api/*");
        // Uploads up to 1 MiB per file, 2 MiB per request, kept in memory up to 64 KiB.
        dispatcher.setMultipartConfig(new MultipartConfigElement("", 1024 * 1024, 2 * 1024 * 1024, 64 * 1024));
        FilterRegistration.Dynamic filter = servletContext.addFilter("served-by", new ServedByFilter());
        filter.setAsyncSupported(true);
        filter.addMappingForUrlPatterns(null, false, "/api/*");
    }
}
