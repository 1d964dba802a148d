package dev.gatehouse.conf.proxy;

import java.util.Objects;

/**
 * A uwsgi var a location adds to, or replaces in, the packet sent upstream, as nginx's
 * {@code uwsgi_param NAME VALUE [if_not_empty]}.
 *
 * @param name the var name, e.g. {@code SCRIPT_NAME}
 * @param value the value as written (what the proxy substitutes into it is the proxy's business)
 * @param ifNotEmpty send the var only when the value comes out non-empty
 */
public record UwsgiParam(String name, String value, boolean ifNotEmpty) {

    /** Checks for nulls. */
    public UwsgiParam {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
    }
}
