package dev.gatehouse.appserver.jwsgi;

/** A JWSGI application returned something that is not a valid {@code {status, headers, body}}. */
public final class JwsgiException extends RuntimeException {

    /** Makes the exception with a message naming the entry point and what was wrong. */
    public JwsgiException(String message) {
        super(message);
    }

    /** Makes the exception with its cause. */
    public JwsgiException(String message, Throwable cause) {
        super(message, cause);
    }
}
