package dev.gatehouse.appserver.worker;

import dev.gatehouse.appserver.api.Application;
import dev.gatehouse.uwsgi.UwsgiVarsBuilder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's training run for the class-data archive: a worker serves requests to itself
 * so that the classes of the request path (codec, worker, app) are loaded, then exits and the
 * JVM writes them to the archive ({@code -XX:ArchiveClassesAtExit}, or on JDK 25+ an AOT
 * cache that also keeps the method profiles of these requests).
 */
final class TrainingRun {

    private static final Logger log = LoggerFactory.getLogger(TrainingRun.class);
    private static final String[] PATHS = {"/", "/hello", "/echo", "/favicon.ico"};

    private TrainingRun() {
    }

    static int run(Application app) throws Exception {
        Path dir = Files.createTempDirectory("gatehouse-train-");
        Path socket = dir.resolve("train.sock");
        WorkerServer server = WorkerServer.bind(WorkerOptions.defaults(), app, new DomainSocketAddress(socket.toString()), 16);
        try {
            // Enough rounds that the request path's methods gather profiles worth keeping.
            for (int round = 0; round < 50; round++) {
                for (String path : PATHS) {
                    exchange(socket, packet(round % 2 == 0 ? "GET" : "POST", path, round % 2 == 0 ? 0 : 64));
                }
            }
            return 0;
        } catch (IOException e) {
            log.warn("training run: {}", e.getMessage());
            return 0; // the classes loaded so far are still worth archiving
        } finally {
            server.close();
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static byte[] packet(String method, String path, int bodyLength) {
        UwsgiVarsBuilder vars = new UwsgiVarsBuilder()
                .add("QUERY_STRING", "").add("REQUEST_METHOD", method)
                .add("CONTENT_TYPE", bodyLength > 0 ? "application/octet-stream" : "")
                .add("CONTENT_LENGTH", bodyLength > 0 ? Integer.toString(bodyLength) : "")
                .add("REQUEST_URI", path).add("PATH_INFO", path).add("DOCUMENT_ROOT", "/")
                .add("SERVER_PROTOCOL", "HTTP/1.1").add("REQUEST_SCHEME", "http")
                .add("REMOTE_ADDR", "127.0.0.1").add("REMOTE_PORT", "1").add("SERVER_PORT", "80")
                .add("SERVER_NAME", "localhost").add("HTTP_HOST", "localhost").add("HTTP_USER_AGENT", "gatehouse-training");
        ByteBuf buf = Unpooled.buffer(vars.packetSize() + bodyLength);
        vars.encodePacketTo(buf, 0, 0);
        buf.writeZero(bodyLength);
        byte[] bytes = ByteBufUtil.getBytes(buf);
        buf.release();
        return bytes;
    }

    private static void exchange(Path socket, byte[] packet) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap(packet));
            InputStream in = Channels.newInputStream(ch);
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
    }
}
