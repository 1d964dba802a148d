package dev.gatehouse.proxy.tls;

import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;

/**
 * Why a client connection failed, in one short line for the log: handshake failures and broken
 * connections are everyday events on an internet-facing port, never worth a stack trace.
 */
public final class ConnectionErrors {

    private ConnectionErrors() {
    }

    /** The innermost cause past Netty's decoder wrappers, with cleartext-on-a-TLS-port named as such. */
    public static String reason(Throwable cause) {
        Throwable t = cause;
        while (t.getCause() != null && t instanceof DecoderException) {
            t = t.getCause();
        }
        if (t instanceof NotSslRecordException) {
            return "not a TLS record (cleartext sent to a TLS port?)";
        }
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m.length() > 200 ? m.substring(0, 200) + "..." : m;
    }
}
