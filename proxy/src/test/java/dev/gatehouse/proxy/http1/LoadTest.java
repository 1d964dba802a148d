package dev.gatehouse.proxy.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.proxy.support.RawClient;
import dev.gatehouse.proxy.support.TestProxy;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Volume: a 2 GiB download, 10,000 keep-alive requests, 500 stalled connections. */
class LoadTest {

    @TempDir
    Path root;
    TestProxy proxy;

    @BeforeEach
    void start() throws Exception {
        Files.writeString(root.resolve("small.txt"), "x".repeat(1024));
        proxy = TestProxy.start("[[location]]\npath = \"/\"\nroot = \"" + root + "\"\n",
                Map.of("keepalive_requests", "20000", "client_header_timeout", "60s"));
    }

    @AfterEach
    void stop() {
        proxy.close();
    }

    @Test
    void twoGibFileDownloadsByteExactWithFlatHeap() throws Exception {
        long size = 2L << 30;
        Path big = root.resolve("big.bin");
        long step = 256L << 20;
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(size); // sparse: zeros except the markers
            for (long off = 0; off < size; off += step) {
                f.seek(off);
                f.writeLong(off ^ 0x5a5a5a5a5a5a5a5aL);
            }
            f.seek(size - 8);
            f.writeLong(-1L);
        }
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        System.gc();
        long baseline = mem.getHeapMemoryUsage().getUsed();
        long peak = 0;
        try (Socket s = new Socket("127.0.0.1", proxy.port)) {
            OutputStream out = s.getOutputStream();
            out.write("GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            // Head up to the blank line.
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                head.append((char) in.read());
            }
            assertTrue(head.toString().toLowerCase().contains("content-length: " + size), head.toString());
            byte[] buf = new byte[1 << 20];
            long pos = 0;
            long mismatches = 0;
            long nextSample = 0;
            while (pos < size) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, size - pos));
                assertTrue(n > 0, "EOF at " + pos);
                for (int i = 0; i < n; i++) {
                    if (buf[i] != expected(pos + i, size, step)) {
                        mismatches++;
                    }
                }
                pos += n;
                if (pos >= nextSample) {
                    peak = Math.max(peak, mem.getHeapMemoryUsage().getUsed() - baseline);
                    nextSample += 128L << 20;
                }
            }
            assertEquals(0, mismatches);
        }
        System.gc();
        long after = mem.getHeapMemoryUsage().getUsed() - baseline;
        System.out.printf("2 GiB download: heap growth after GC %d KiB (sampled peak without GC %d MiB)%n",
                after >> 10, peak >> 20);
        assertTrue(after < 32L << 20, "heap grew by " + after);
    }

    private static byte expected(long p, long size, long step) {
        if (p >= size - 8) {
            return (byte) 0xff;
        }
        long off = p - p % step;
        long within = p - off;
        if (within < 8) {
            long v = off ^ 0x5a5a5a5a5a5a5a5aL;
            return (byte) (v >>> (56 - 8 * within));
        }
        return 0;
    }

    @Test
    void tenThousandKeepAliveRequestsSucceed() {
        try (RawClient c = proxy.client()) {
            for (int i = 0; i < 10_000; i++) {
                RawClient.Response r = c.send("GET /small.txt HTTP/1.1\r\nHost: t\r\n\r\n").read();
                assertEquals(200, r.status(), "request " + i);
                assertEquals(1024, r.body().length);
            }
        }
    }

    @Test
    void fiveHundredStalledConnectionsDoNotStopANormalClient() throws Exception {
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 500; i++) {
                Socket s = new Socket("127.0.0.1", proxy.port);
                s.getOutputStream().write("GET /small.txt HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
                slow.add(s);
            }
            long t0 = System.nanoTime();
            try (RawClient c = proxy.client()) {
                for (int i = 0; i < 20; i++) {
                    assertEquals(200, c.send("GET /small.txt HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
                }
            }
            long millis = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(millis < 2000, "20 requests took " + millis + " ms beside 500 stalled connections");
            for (Socket s : slow) {
                assertTrue(!s.isClosed());
            }
        } finally {
            for (Socket s : slow) {
                s.close();
            }
        }
    }
}
