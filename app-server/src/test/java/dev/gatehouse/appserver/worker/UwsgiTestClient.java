package dev.gatehouse.appserver.worker;

import dev.gatehouse.uwsgi.UwsgiVarsBuilder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/** A blocking uwsgi client over a unix socket, the way nginx talks to a worker. */
final class UwsgiTestClient implements AutoCloseable {

    private final SocketChannel channel;
    final InputStream in;
    final OutputStream out;

    UwsgiTestClient(Path socket) throws IOException {
        this(UnixDomainSocketAddress.of(socket));
    }

    /** A client of a unix socket ({@link UnixDomainSocketAddress}) or a TCP one. */
    UwsgiTestClient(java.net.SocketAddress address) throws IOException {
        this(address, 0);
    }

    /** @param receiveBuffer SO_RCVBUF for a TCP client, to make the server's writes partial; 0: default */
    UwsgiTestClient(java.net.SocketAddress address, int receiveBuffer) throws IOException {
        channel = address instanceof UnixDomainSocketAddress
                ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
        if (receiveBuffer > 0) {
            channel.setOption(java.net.StandardSocketOptions.SO_RCVBUF, receiveBuffer);
        }
        channel.connect(address);
        in = new java.io.BufferedInputStream(Channels.newInputStream(channel));
        out = Channels.newOutputStream(channel);
    }

    /** A request packet: header, the vars (key, value, key, value, ...) and the body. */
    static byte[] packet(int modifier1, byte[] body, String... kv) {
        UwsgiVarsBuilder vars = new UwsgiVarsBuilder();
        for (int i = 0; i < kv.length; i += 2) {
            vars.add(kv[i], kv[i + 1]);
        }
        ByteBuf buf = Unpooled.buffer();
        buf.writeByte(modifier1).writeShortLE(vars.encodedSize()).writeByte(0);
        vars.encodeTo(buf);
        buf.writeBytes(body);
        byte[] bytes = ByteBufUtil.getBytes(buf);
        buf.release();
        return bytes;
    }

    /** A GET packet for a path (query after '?'), with nginx's usual vars. */
    static byte[] get(String uri, String... extra) {
        return request("GET", uri, new byte[0], extra);
    }

    static byte[] request(String method, String uri, byte[] body, String... extra) {
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        String query = q < 0 ? "" : uri.substring(q + 1);
        String[] base = {
            "QUERY_STRING", query, "REQUEST_METHOD", method, "CONTENT_TYPE", "",
            "CONTENT_LENGTH", body.length == 0 ? "" : Integer.toString(body.length),
            "REQUEST_URI", uri, "PATH_INFO", path, "SERVER_PROTOCOL", "HTTP/1.1",
            "REQUEST_SCHEME", "http", "REMOTE_ADDR", "127.0.0.1", "REMOTE_PORT", "40000",
            "SERVER_PORT", "8080", "SERVER_NAME", "test.local", "HTTP_HOST", "test.local"
        };
        String[] all = new String[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return packet(0, body, all);
    }

    UwsgiTestClient send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    RawResponse response() throws IOException {
        return RawResponse.read(in, false);
    }

    RawResponse headResponse() throws IOException {
        return RawResponse.read(in, true);
    }

    /** True when the worker closed the connection (EOF) with nothing more to read. */
    boolean closedByPeer() throws IOException {
        return in.read() == -1;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
