package dev.gatehouse.appserver.api;

import java.io.InputStream;
import java.util.List;
import java.util.Map;

/**
 * One HTTP request, as the front server (Gatehouse proxy or nginx) parsed it and sent it over
 * uwsgi. Nothing is parsed again: every accessor reads the received vars in place.
 *
 * <p>Header lookups are case-insensitive and follow CGI naming: {@code header("User-Agent")}
 * reads the {@code HTTP_USER_AGENT} var; {@code Content-Type} and {@code Content-Length} read
 * {@code CONTENT_TYPE} and {@code CONTENT_LENGTH}.
 */
public interface Request {

    /** The request method, e.g. {@code GET}. */
    String method();

    /** The decoded path ({@code PATH_INFO}, UTF-8), without the query string. */
    String path();

    /** The raw request target as the client sent it ({@code REQUEST_URI}), query included. */
    String rawUri();

    /** The raw query string ({@code QUERY_STRING}), empty when there is none. */
    String queryString();

    /**
     * The first value of a query parameter, percent-decoded as UTF-8, or {@code null}.
     *
     * @param name the parameter name, compared after decoding
     */
    String queryParameter(String name);

    /** The protocol the client spoke ({@code SERVER_PROTOCOL}), e.g. {@code HTTP/1.1}. */
    String protocol();

    /** {@code http} or {@code https}. */
    String scheme();

    /** The first value of a request header, or {@code null} when absent. */
    String header(String name);

    /** Every value of a request header in arrival order; empty when absent. */
    List<String> headers(String name);

    /** The names of the request headers present, in CGI form ({@code User-Agent} for {@code HTTP_USER_AGENT}). */
    List<String> headerNames();

    /** The client's address ({@code REMOTE_ADDR}), or an empty string when not sent. */
    String remoteAddress();

    /** The client's port ({@code REMOTE_PORT}), or {@code -1} when not sent. */
    int remotePort();

    /** The server name ({@code SERVER_NAME}). */
    String serverName();

    /** The server port ({@code SERVER_PORT}), or {@code -1} when not sent. */
    int serverPort();

    /** The body length ({@code CONTENT_LENGTH}); 0 when there is no body. */
    long contentLength();

    /** The body's media type ({@code CONTENT_TYPE}), or {@code null} when absent or empty. */
    String contentType();

    /**
     * The raw value of one var, decoded as ISO-8859-1 (byte for byte), or {@code null}.
     *
     * @param key the var name, e.g. {@code DOCUMENT_ROOT}
     */
    String var(String key);

    /**
     * Every var the front server sent, in wire order, repeated keys kept; values decoded as
     * ISO-8859-1 so that each char is one received byte. Built on each call.
     */
    List<Map.Entry<String, String>> environ();

    /**
     * The vars as a map, built on demand: a repeated {@code HTTP_COOKIE} is joined with
     * {@code "; "} and any other repeated var with {@code ", "}, as nginx 1.23+ joins headers.
     */
    Map<String, String> environMap();

    /**
     * The request body: yields exactly {@link #contentLength()} bytes, then {@code -1}. It
     * blocks while the front server is still sending. Reading it is optional; unread bytes
     * are discarded after the response.
     */
    InputStream body();
}
