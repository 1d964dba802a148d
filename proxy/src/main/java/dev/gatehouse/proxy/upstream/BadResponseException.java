package dev.gatehouse.proxy.upstream;

/**
 * An upstream response nginx would refuse too ("upstream sent invalid header", "upstream sent too
 * big header", a broken chunk): the client gets 502, as from nginx.
 */
final class BadResponseException extends RuntimeException {

    BadResponseException(String message) {
        super(message, null, false, false);
    }
}
