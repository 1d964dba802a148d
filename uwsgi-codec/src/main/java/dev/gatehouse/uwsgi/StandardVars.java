package dev.gatehouse.uwsgi;

/**
 * The CGI vars that nginx's stock {@code uwsgi_params} sends (plus Debian's {@code HTTP_HOST} and
 * {@code SCRIPT_NAME}, which uWSGI also reads), as pre-encoded {@link VarKey}s for allocation-free
 * lookups such as {@code vars.indexOf(StandardVars.PATH_INFO)}.
 */
public final class StandardVars {

    public static final VarKey REQUEST_METHOD = VarKey.of("REQUEST_METHOD");
    public static final VarKey REQUEST_URI = VarKey.of("REQUEST_URI");
    /** Percent-decoded path (nginx's {@code $document_uri}), including any location prefix. */
    public static final VarKey PATH_INFO = VarKey.of("PATH_INFO");
    public static final VarKey QUERY_STRING = VarKey.of("QUERY_STRING");
    /** Frames the request body; absent or empty means no body. */
    public static final VarKey CONTENT_LENGTH = VarKey.of("CONTENT_LENGTH");
    public static final VarKey CONTENT_TYPE = VarKey.of("CONTENT_TYPE");
    public static final VarKey SERVER_PROTOCOL = VarKey.of("SERVER_PROTOCOL");
    public static final VarKey REQUEST_SCHEME = VarKey.of("REQUEST_SCHEME");
    /** {@code on} for TLS listeners; nginx omits it otherwise ({@code if_not_empty}). */
    public static final VarKey HTTPS = VarKey.of("HTTPS");
    public static final VarKey REMOTE_ADDR = VarKey.of("REMOTE_ADDR");
    public static final VarKey REMOTE_PORT = VarKey.of("REMOTE_PORT");
    public static final VarKey SERVER_NAME = VarKey.of("SERVER_NAME");
    public static final VarKey SERVER_PORT = VarKey.of("SERVER_PORT");
    public static final VarKey HTTP_HOST = VarKey.of("HTTP_HOST");
    public static final VarKey DOCUMENT_ROOT = VarKey.of("DOCUMENT_ROOT");
    public static final VarKey SCRIPT_NAME = VarKey.of("SCRIPT_NAME");

    private StandardVars() {
    }
}
