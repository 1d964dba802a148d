package dev.gatehouse.proxy.upstream;

/**
 * What an upstream response head asks of the proxy, nginx's {@code process_header} step: switch
 * protocols, serve a file the app names ({@code X-Accel-Redirect}, as nginx; {@code X-Sendfile}, as
 * Apache's mod_xsendfile and lighttpd, only where the location sets {@code sendfile_roots}), or
 * relay the response as it is.
 */
enum ResponseHeadAction {
    /** A 101: the connections become a tunnel, if the request asked to upgrade. */
    SWITCH_PROTOCOLS,
    /** {@code X-Accel-Redirect}: an internal redirect to the path it names; the upstream body is not read. */
    ACCEL_REDIRECT,
    /** {@code X-Sendfile}: the file it names, checked against the roots, instead of the upstream body. */
    SENDFILE,
    /** The head and body go to the client. */
    RELAY;

    static final String ACCEL_REDIRECT_HEADER = "X-Accel-Redirect";
    static final String SENDFILE_HEADER = "X-Sendfile";

    /**
     * The action for a head; a 101 wins over the file headers, and {@code X-Accel-Redirect} over
     * {@code X-Sendfile}. An empty file header counts as absent.
     *
     * @param sendfileAllowed whether the location has {@code sendfile_roots}
     */
    static ResponseHeadAction of(ResponseHead head, boolean sendfileAllowed) {
        if (head.status().code() == 101) {
            return SWITCH_PROTOCOLS;
        }
        String accel = head.headers().get(ACCEL_REDIRECT_HEADER);
        if (accel != null && !accel.isEmpty()) {
            return ACCEL_REDIRECT;
        }
        String sendfile = sendfileAllowed ? head.headers().get(SENDFILE_HEADER) : null;
        if (sendfile != null && !sendfile.isEmpty()) {
            return SENDFILE;
        }
        return RELAY;
    }
}
