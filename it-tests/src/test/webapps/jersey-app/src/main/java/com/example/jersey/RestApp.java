package com.example.jersey;

import jakarta.ws.rs.ApplicationPath;
import org.glassfish.jersey.jackson.JacksonFeature;
import org.glassfish.jersey.server.ResourceConfig;

/** Found by Jersey's ServletContainerInitializer: the REST resources under /rest. */
@ApplicationPath("/rest")
public class RestApp extends ResourceConfig {

    public RestApp() {
        packages("com.example.jersey");
        register(JacksonFeature.class);
    }
}
