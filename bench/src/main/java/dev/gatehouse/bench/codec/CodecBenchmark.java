package dev.gatehouse.bench.codec;

import dev.gatehouse.uwsgi.StandardVars;
import dev.gatehouse.uwsgi.UwsgiRequest;
import dev.gatehouse.uwsgi.UwsgiRequestDecoder;
import dev.gatehouse.uwsgi.UwsgiVars;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Decoding nginx's pkt02 (a 403-byte GET with 16 vars) and reading the five vars a request
 * handler needs first: Gatehouse's zero-copy {@link UwsgiVars} against a decoder that builds a
 * {@code HashMap<String,String>} of everything. The packet sits in a pooled buffer, heap or direct
 * (Netty reads sockets into direct buffers), and is decoded in place on each call.
 *
 * <p>{@code -jvmArgsAppend -Dgatehouse.bench.packet=/path/pktNN.bin} benchmarks another captured
 * packet. On a machine shared with other work, wall-clock scores swing widely between iterations;
 * {@link CpuTimeComparison} runs the two decode benchmarks interleaved and timed by CPU time.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
// Leak detection samples buffers and would record stack traces on some runs but not others.
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
public class CodecBenchmark {

    @Param({"heap", "direct"})
    public String memory;

    private ByteBuf packet;
    private UwsgiVars decodedVars;
    private Map<String, String> decodedMap;
    private EmbeddedChannel pipeline;

    @Setup(Level.Trial)
    public void setUp() {
        byte[] bytes = loadPacket();
        packet = "direct".equals(memory) ? PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length)
                : PooledByteBufAllocator.DEFAULT.heapBuffer(bytes.length);
        packet.writeBytes(bytes);
        int datasize = packet.getUnsignedShortLE(1);
        decodedVars = UwsgiVars.parse(packet.retainedSlice(4, datasize));
        decodedMap = NaiveHashMapDecoder.decodeVars(packet);
        pipeline = new EmbeddedChannel(new UwsgiRequestDecoder());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pipeline.finishAndReleaseAll();
        decodedVars.release();
        packet.release();
    }

    static byte[] loadPacket() {
        String override = System.getProperty("gatehouse.bench.packet");
        try {
            if (override != null) {
                return Files.readAllBytes(Path.of(override));
            }
            try (InputStream in = CodecBenchmark.class.getResourceAsStream("pkt02.bin")) {
                if (in == null) {
                    throw new IllegalStateException("pkt02.bin missing from the benchmark jar's resources");
                }
                return in.readAllBytes();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the benchmark packet", e);
        }
    }

    /**
     * What {@link dev.gatehouse.uwsgi.UwsgiRequestDecoder} does per request with its default config
     * (header, the vars block copied to a pooled heap buffer when it arrived in direct memory or
     * sliced when on the heap, parse, framing by CONTENT_LENGTH) plus reading four values as Strings.
     */
    @Benchmark
    public void gatehouseDecodeAndLookup5(Blackhole bh) {
        ByteBuf in = packet;
        int start = in.readerIndex();
        int datasize = in.getUnsignedShortLE(start + 1);
        ByteBuf block = in.hasArray() ? in.retainedSlice(start + 4, datasize)
                : PooledByteBufAllocator.DEFAULT.heapBuffer(datasize, datasize).writeBytes(in, start + 4, datasize);
        UwsgiVars vars = UwsgiVars.parse(block);
        try {
            bh.consume(vars.get(StandardVars.REQUEST_METHOD));
            bh.consume(vars.get(StandardVars.PATH_INFO));
            bh.consume(vars.get(StandardVars.QUERY_STRING));
            bh.consume(vars.get(StandardVars.HTTP_HOST));
            bh.consume(vars.contentLength());
        } finally {
            vars.release();
        }
    }

    /**
     * Five lookups through the real decoder in an {@link EmbeddedChannel}: the packet in, the
     * request and its {@code EMPTY_LAST} out. Adds Netty's pipeline and cumulation to the above.
     */
    @Benchmark
    public void gatehouseDecoderPipelineAndLookup5(Blackhole bh) {
        pipeline.writeInbound(packet.retainedDuplicate());
        UwsgiRequest request = pipeline.readInbound();
        try {
            UwsgiVars vars = request.vars();
            bh.consume(vars.get(StandardVars.REQUEST_METHOD));
            bh.consume(vars.get(StandardVars.PATH_INFO));
            bh.consume(vars.get(StandardVars.QUERY_STRING));
            bh.consume(vars.get(StandardVars.HTTP_HOST));
            bh.consume(request.contentLength());
        } finally {
            request.release();
        }
        bh.consume(pipeline.readInbound());
    }

    /** The baseline: a HashMap of all 16 vars, then the same five reads. */
    @Benchmark
    public void naiveHashMapDecodeAndLookup5(Blackhole bh) {
        Map<String, String> vars = NaiveHashMapDecoder.decodeVars(packet);
        bh.consume(vars.get("REQUEST_METHOD"));
        bh.consume(vars.get("PATH_INFO"));
        bh.consume(vars.get("QUERY_STRING"));
        bh.consume(vars.get("HTTP_HOST"));
        String contentLength = vars.get("CONTENT_LENGTH");
        bh.consume(contentLength == null || contentLength.isEmpty() ? 0L : Long.parseLong(contentLength));
    }

    /** Five lookups on an already decoded block, compared in place: expected 0 B/op. */
    @Benchmark
    public int gatehouseLookupOnly5() {
        UwsgiVars vars = decodedVars;
        return vars.indexOf(StandardVars.REQUEST_METHOD) + vars.indexOf(StandardVars.PATH_INFO)
                + vars.indexOf(StandardVars.QUERY_STRING) + vars.indexOf(StandardVars.HTTP_HOST)
                + vars.indexOf(StandardVars.CONTENT_LENGTH);
    }

    /** Five lookups by CharSequence name (no VarKey), also in place. */
    @Benchmark
    public int gatehouseLookupOnly5ByName() {
        UwsgiVars vars = decodedVars;
        return vars.indexOf("REQUEST_METHOD") + vars.indexOf("PATH_INFO") + vars.indexOf("QUERY_STRING")
                + vars.indexOf("HTTP_HOST") + vars.indexOf("CONTENT_LENGTH");
    }

    /** For reference: five gets on the naive decoder's finished HashMap (String hashes are cached). */
    @Benchmark
    public void naiveHashMapLookupOnly5(Blackhole bh) {
        Map<String, String> vars = decodedMap;
        bh.consume(vars.get("REQUEST_METHOD"));
        bh.consume(vars.get("PATH_INFO"));
        bh.consume(vars.get("QUERY_STRING"));
        bh.consume(vars.get("HTTP_HOST"));
        bh.consume(vars.get("CONTENT_LENGTH"));
    }
}
