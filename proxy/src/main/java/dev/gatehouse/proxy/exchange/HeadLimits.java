package dev.gatehouse.proxy.exchange;

import dev.gatehouse.conf.proxy.ProxyConfig;

/**
 * The request-head limits the decoder enforces, from {@link ProxyConfig}.
 *
 * @param lineLimit longest request line, and longest single header field line, without CRLF:
 *     nginx sizes both with one buffer ({@code large_client_header_buffers}); 414 for the request
 *     line, 431 for a field line
 * @param headSizeLimit request line plus all header lines with their CRLFs (431 past it)
 * @param maxHeaders most header fields (431 past it)
 */
public record HeadLimits(int lineLimit, int headSizeLimit, int maxHeaders) {

    /** Longest chunk-size line (size plus extensions); chunk extensions are otherwise unbounded. */
    public static final int CHUNK_LINE_LIMIT = 4096;

    /** The limits of a configuration. */
    public static HeadLimits of(ProxyConfig config) {
        return new HeadLimits(config.largeHeaderLine().intBytes(), config.largeHeaderSize().intBytes(),
                config.maxHeaders());
    }
}
