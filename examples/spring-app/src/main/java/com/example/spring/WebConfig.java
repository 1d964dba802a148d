package com.example.spring;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.multipart.support.StandardServletMultipartResolver;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;

/** Spring MVC with its defaults: Jackson 3 is on the class path, so JSON just works. */
@Configuration
@EnableWebMvc
@ComponentScan("com.example.spring")
public class WebConfig {

    /** Multipart through the container's own parser (Servlet Part API). */
    @Bean
    public StandardServletMultipartResolver multipartResolver() {
        return new StandardServletMultipartResolver();
    }
}
