package dev.gatehouse.uwsgi;

/**
 * A var or a vars block would not fit the uwsgi length fields (each key, value and the whole
 * block is at most 65535 bytes). {@link UwsgiVarsBuilder} throws it before changing anything.
 *
 * <p>It is an {@link IllegalArgumentException} because the caller chose the input; a proxy maps it
 * to the same answer nginx gives ({@code uwsgi request is too big}, HTTP 500) or, better, limits
 * request headers earlier.
 */
public class UwsgiVarsTooLargeException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final long attemptedSize;

    public UwsgiVarsTooLargeException(String message, long attemptedSize) {
        super(message);
        this.attemptedSize = attemptedSize;
    }

    /** The size in bytes that was refused (of the field or of the whole block). */
    public long attemptedSize() {
        return attemptedSize;
    }

    /** The limit that was exceeded: always 65535, the largest u16. */
    public int limit() {
        return UwsgiVars.MAX_BLOCK_SIZE;
    }
}
