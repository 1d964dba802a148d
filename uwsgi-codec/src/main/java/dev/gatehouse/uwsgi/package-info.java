/**
 * The uwsgi wire format for Gatehouse: the packet header, a zero-copy view over the vars block
 * ({@link dev.gatehouse.uwsgi.UwsgiVars}) and its builder, the Netty request decoder and encoder,
 * and {@link dev.gatehouse.uwsgi.UwsgiProtocolException}. No I/O: transports live in the proxy and
 * the app-server.
 *
 * <p>A packet: {@code modifier1} (u8), {@code datasize} (u16 little-endian, the vars block only),
 * {@code modifier2} (u8), the vars block (repeated {@code u16le keylen, key, u16le vallen, value};
 * at most 65535 bytes; keys never empty; order kept; keys may repeat), then exactly
 * {@code CONTENT_LENGTH} body bytes.
 */
package dev.gatehouse.uwsgi;
