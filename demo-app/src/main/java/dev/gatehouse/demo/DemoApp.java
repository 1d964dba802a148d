package dev.gatehouse.demo;

import dev.gatehouse.appserver.api.Application;
import dev.gatehouse.appserver.api.Request;
import dev.gatehouse.appserver.api.Response;
import dev.gatehouse.appserver.api.WebSocketAccept;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * The demo application that ships with Gatehouse; tests and benchmarks use it.
 *
 * <ul>
 *   <li>{@code GET /hello}: {@code Hello, World!}
 *   <li>{@code /echo} and {@code /echo/...}: the request as JSON (method, uri, path, query, every
 *       var in wire order, body length and SHA-256, worker pid)
 *   <li>{@code POST /upload}: length and SHA-256 of the body, read as a stream
 *   <li>{@code /bytes?n=N}: N deterministic bytes ({@link DemoBytes}) with Content-Length
 *   <li>{@code /stream?n=N}: the same bytes, streamed in chunks of unknown length
 *   <li>{@code /sleep?ms=N}: answers after N milliseconds
 *   <li>{@code /spin?ms=N}: answers after N milliseconds of its thread's CPU time, spent computing
 *   <li>{@code /crash}: throws, to show a 500
 *   <li>{@code /pid}: the worker's pid
 *   <li>WebSockets: {@code /ws/echo} and {@code /ws/chat}, see {@link DemoSockets}
 * </ul>
 */
public final class DemoApp implements Application {

    private static final byte[] HELLO = "Hello, World!".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final long PID = ProcessHandle.current().pid();

    /**
     * {@code /hello}, {@code /pid} and {@code /echo} compute their answer from the request alone:
     * they may run on the worker's I/O thread. {@code /sleep} blocks, and the streamed bodies
     * are sent from a virtual thread anyway.
     */
    @Override
    public boolean isNonBlocking(Request request) {
        String path = request.path();
        return path.equals("/hello") || path.equals("/pid") || path.equals("/echo") || path.startsWith("/echo/");
    }

    @Override
    public WebSocketAccept acceptWebSocket(Request request) {
        return DemoSockets.accept(request);
    }

    @Override
    public Response handle(Request request) throws Exception {
        String path = request.path();
        if (path.startsWith("/echo/")) {
            return echo(request);
        }
        return switch (path) {
            case "/hello" -> Response.bytes(200, "text/plain", HELLO);
            case "/echo" -> echo(request);
            case "/upload" -> upload(request);
            case "/bytes" -> {
                long n = count(request, "n");
                yield Response.status(200).header("Content-Type", "application/octet-stream")
                        .body(DemoBytes.stream(n), n).build();
            }
            case "/stream" -> {
                long n = count(request, "n");
                yield Response.status(200).header("Content-Type", "application/octet-stream")
                        .body((OutputStream out) -> DemoBytes.write(out, n)).build();
            }
            case "/sleep" -> {
                Thread.sleep(count(request, "ms"));
                yield Response.ok("slept\n");
            }
            case "/spin" -> Response.ok("spun " + Spin.forCpuMillis(count(request, "ms")) + "\n");
            case "/crash" -> throw new IllegalStateException("crash requested by /crash");
            case "/pid" -> Response.ok(Long.toString(PID));
            default -> Response.notFound();
        };
    }

    private static Response echo(Request request) throws IOException {
        Digest body = Digest.of(request.body());
        StringBuilder json = new StringBuilder(1024);
        json.append('{');
        Json.field(json, "method", request.method()).append(',');
        Json.field(json, "uri", request.rawUri()).append(',');
        Json.field(json, "path", request.path()).append(',');
        Json.field(json, "query", request.queryString()).append(',');
        json.append("\"vars\":[");
        boolean first = true;
        for (Map.Entry<String, String> var : request.environ()) {
            if (!first) {
                json.append(',');
            }
            first = false;
            json.append('[');
            Json.string(json, var.getKey()).append(',');
            Json.string(json, var.getValue()).append(']');
        }
        json.append("],\"body_length\":").append(body.length()).append(',');
        Json.field(json, "body_sha256", body.sha256()).append(',');
        json.append("\"worker_pid\":").append(PID).append('}');
        return Response.json(200, json.toString());
    }

    private static Response upload(Request request) throws IOException {
        if (!request.method().equals("POST") && !request.method().equals("PUT")) {
            return Response.status(405).header("Allow", "POST, PUT").header("Content-Type", "text/plain")
                    .body("use POST or PUT\n").build();
        }
        Digest body = Digest.of(request.body());
        return Response.json(200, "{\"length\":" + body.length() + ",\"sha256\":\"" + body.sha256() + "\"}");
    }

    private static long count(Request request, String name) {
        String value = request.queryParameter(name);
        if (value == null) {
            return 0;
        }
        try {
            long n = Long.parseLong(value);
            if (n < 0) {
                throw new IllegalArgumentException(name + " must be >= 0, was " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number, was \"" + value + "\"", e);
        }
    }

    /** Length and SHA-256 of a stream, read in 64 KiB steps so a large upload never sits in memory. */
    record Digest(long length, String sha256) {
        static Digest of(InputStream in) throws IOException {
            MessageDigest sha;
            try {
                sha = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is always present in the JDK", e);
            }
            byte[] buf = new byte[64 * 1024];
            long total = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                sha.update(buf, 0, n);
                total += n;
            }
            return new Digest(total, HexFormat.of().formatHex(sha.digest()));
        }
    }
}
