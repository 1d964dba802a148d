package dev.gatehouse.proxy.route;

import dev.gatehouse.conf.proxy.LocationConfig;

/**
 * The location chosen for a request.
 *
 * @param index the location's position in the config file, for logs ({@code location[2]})
 * @param location the location
 */
public record Route(int index, LocationConfig location) {

    /** What a location does with the requests it takes. */
    public enum Action {
        /** Serve files from root or alias. */
        STATIC,
        /** Forward to the upstream. */
        UPSTREAM,
        /** Serve the file if it exists, else forward (nginx {@code try_files $uri @app}). */
        STATIC_THEN_UPSTREAM
    }

    /** This location's action. */
    public Action action() {
        if (location.upstream().isEmpty()) {
            return Action.STATIC;
        }
        return location.tryFiles() && location.staticDirectory().isPresent() ? Action.STATIC_THEN_UPSTREAM
                : Action.UPSTREAM;
    }

    /** The key path of this location in the config file. */
    public String keyPath() {
        return "location[" + index + "] (" + location.match() + ")";
    }
}
