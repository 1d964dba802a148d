package dev.gatehouse.proxy.upstream;

/**
 * The end of a framed upstream response body (its length reached, or the last chunk read).
 *
 * @param trailing whether bytes followed the end in the same read: the connection is then out of
 *     step and must not be reused
 */
record ResponseEnd(boolean trailing) {
}
