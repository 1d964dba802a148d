package dev.gatehouse.uwsgi;

/**
 * Request vars by which the Gatehouse proxy tells a Gatehouse app-server what it can do beyond
 * nginx. Other backends (real uWSGI) pass unknown vars to the app and otherwise ignore them, so
 * the proxy may always send them; nginx never does, so a backend falls back to nginx's rules.
 */
public final class GatehouseVars {

    private GatehouseVars() {
    }

    /**
     * Value {@code 1}: keep the connection open after a fully framed response, for the next
     * request (nginx's uwsgi module opens one connection per request).
     */
    public static final VarKey KEEPALIVE = VarKey.of("GATEHOUSE_KEEPALIVE");

    /**
     * Value {@code 1}: the front decodes {@code Transfer-Encoding: chunked} response bodies.
     * nginx's uwsgi module does not (it passes chunk lines through as body bytes).
     */
    public static final VarKey CHUNKED = VarKey.of("GATEHOUSE_CHUNKED");
}
