package dev.gatehouse.uwsgi;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One captured nginx 1.22.1 packet ({@code pktNN.bin}) with what its {@code pktNN.json} says it
 * holds. The directory comes from the {@code gatehouse.testdata.dir} system property, set by the
 * parent pom's surefire configuration to the repository's {@code testdata/}.
 */
record NginxPacket(String name, byte[] bytes, int modifier1, int datasize, int modifier2, List<Var> vars,
                   byte[] body) {

    record Var(String key, String value) {
    }

    static Path directory() {
        Path dir = Path.of(System.getProperty("gatehouse.testdata.dir", "../testdata"), "nginx-1.22.1-uwsgi");
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("captured nginx packets not found at " + dir.toAbsolutePath()
                    + ": they live in testdata/ at the repository root (the parent pom passes it as"
                    + " gatehouse.testdata.dir)");
        }
        return dir;
    }

    static List<NginxPacket> all() {
        Path dir = directory();
        List<NginxPacket> packets = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path bin : files.filter(p -> p.getFileName().toString().matches("pkt\\d+\\.bin")).sorted().toList()) {
                packets.add(load(bin));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir, e);
        }
        if (packets.size() != 14) {
            throw new IllegalStateException("expected the 14 captured packets in " + dir + ", found " + packets.size());
        }
        return packets;
    }

    static NginxPacket named(String name) {
        return all().stream().filter(p -> p.name.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no packet " + name + " in " + directory()));
    }

    @SuppressWarnings("unchecked")
    private static NginxPacket load(Path bin) throws IOException {
        String base = bin.getFileName().toString().replace(".bin", "");
        Path json = bin.resolveSibling(base + ".json");
        Map<String, Object> expected = MiniJson.parseObject(Files.readString(json, StandardCharsets.UTF_8));
        List<Var> vars = new ArrayList<>();
        for (Object pair : (List<Object>) expected.get("vars_latin1")) {
            List<Object> kv = (List<Object>) pair;
            vars.add(new Var((String) kv.get(0), (String) kv.get(1)));
        }
        byte[] body = Base64.getDecoder().decode((String) expected.get("body_base64"));
        if (body.length != ((Long) expected.get("body_length")).intValue()) {
            throw new IllegalStateException(json + ": body_length disagrees with body_base64");
        }
        return new NginxPacket(base, Files.readAllBytes(bin), ((Long) expected.get("modifier1")).intValue(),
                ((Long) expected.get("datasize")).intValue(), ((Long) expected.get("modifier2")).intValue(),
                List.copyOf(vars), body);
    }

    @Override
    public String toString() {
        return name;
    }
}
