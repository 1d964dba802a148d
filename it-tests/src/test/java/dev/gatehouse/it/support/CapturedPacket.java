package dev.gatehouse.it.support;

import dev.gatehouse.uwsgi.MiniJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * One request packet real nginx 1.22.1 wrote to a uwsgi upstream, as decoded in
 * {@code testdata/nginx-1.22.1-uwsgi/pktNN.json} (see the README there).
 *
 * @param name e.g. {@code pkt05}
 * @param request the client request that made the packet, in words
 * @param vars every var in wire order, bytes as ISO-8859-1 characters
 * @param body the request body that followed the vars
 */
public record CapturedPacket(String name, String request, List<Var> vars, byte[] body) {

    /**
     * One key/value pair of the vars block.
     *
     * @param key the key
     * @param value the value, bytes as ISO-8859-1 characters
     */
    public record Var(String key, String value) {
        @Override
        public String toString() {
            return key + "=" + (value.length() > 60 ? value.substring(0, 60) + "...(" + value.length() + " chars)" : value);
        }
    }

    public CapturedPacket {
        vars = List.copyOf(vars);
        body = body.clone();
    }

    /** @return the body bytes (a copy) */
    @Override
    public byte[] body() {
        return body.clone();
    }

    /**
     * @param key a var name
     * @return the value of its first occurrence
     * @throws IllegalArgumentException if the capture has no such var
     */
    public String value(String key) {
        return vars.stream().filter(v -> v.key().equals(key)).map(Var::value).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(name + " has no var " + key));
    }

    /**
     * Loads {@code <name>.json} from the directory the parent pom names in
     * {@code gatehouse.testdata.dir} (the repository's {@code testdata/}).
     *
     * @param name e.g. {@code pkt01}
     * @return the decoded capture
     */
    @SuppressWarnings("unchecked")
    public static CapturedPacket load(String name) {
        Path file = directory().resolve(name + ".json");
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the nginx capture " + file, e);
        }
        Map<String, Object> json = MiniJson.parseObject(text);
        List<Var> vars = ((List<List<String>>) json.get("vars_latin1")).stream()
                .map(pair -> new Var(pair.get(0), pair.get(1)))
                .toList();
        byte[] body = Base64.getDecoder().decode((String) json.get("body_base64"));
        long declared = (Long) json.get("body_length");
        if (body.length != declared) {
            throw new IllegalStateException(file + ": body_base64 holds " + body.length + " bytes, body_length says "
                    + declared);
        }
        return new CapturedPacket(name, (String) json.get("request"), vars, body);
    }

    private static Path directory() {
        Path dir = Path.of(System.getProperty("gatehouse.testdata.dir", "../testdata"), "nginx-1.22.1-uwsgi");
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("captured nginx packets not found at " + dir.toAbsolutePath()
                    + ": they live in testdata/ at the repository root (the parent pom passes it as"
                    + " gatehouse.testdata.dir)");
        }
        return dir;
    }

    @Override
    public String toString() {
        return name + " (" + request + ")";
    }
}
