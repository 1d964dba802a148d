package dev.gatehouse.conf.proxy;

import static dev.gatehouse.conf.proxy.ProxyKeys.*;

import dev.gatehouse.conf.schema.ConfigValues;
import dev.gatehouse.conf.schema.ConfigView;

/**
 * A uwsgi var a location adds to, or replaces in, the packet sent upstream, as nginx's
 * {@code uwsgi_param NAME VALUE [if_not_empty]}: one entry of {@code location[].uwsgi_params}.
 */
public final class UwsgiParam extends ConfigView {

    UwsgiParam(ConfigValues values) {
        super(values);
    }

    /** The var name, e.g. {@code SCRIPT_NAME}. */
    public String name() {
        return get(UWSGI_PARAM_NAME);
    }

    /** The value as written (what the proxy substitutes into it is the proxy's business). */
    public String value() {
        return get(UWSGI_PARAM_VALUE);
    }

    /** Send the var only when the value comes out non-empty. */
    public boolean ifNotEmpty() {
        return get(UWSGI_PARAM_IF_NOT_EMPTY);
    }
}
