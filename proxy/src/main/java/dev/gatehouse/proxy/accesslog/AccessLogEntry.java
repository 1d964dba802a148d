package dev.gatehouse.proxy.accesslog;

/**
 * One access log line's data, captured on the I/O thread and formatted on the log's own thread.
 * Strings are as received (ISO-8859-1, one char per byte); null stands for a missing value.
 *
 * @param remoteAddr the client's address, without port
 * @param timeMillis when the response was finished, epoch milliseconds
 * @param method the request method, or null for a request that could not be parsed
 * @param uri the request target as sent
 * @param protocol {@code HTTP/1.1} or {@code HTTP/1.0}
 * @param status the response status
 * @param bodyBytes response body bytes sent (nginx {@code $body_bytes_sent})
 * @param referer the Referer header
 * @param userAgent the User-Agent header
 * @param host the Host header
 * @param requestTimeMicros from the request head to the end of the response
 */
public record AccessLogEntry(String remoteAddr, long timeMillis, String method, String uri, String protocol,
        int status, long bodyBytes, String referer, String userAgent, String host, long requestTimeMicros) {
}
