package dev.gatehouse.cli.reference;

import dev.gatehouse.conf.KeySpec;
import dev.gatehouse.conf.app.AppServerConfig;
import dev.gatehouse.conf.proxy.ProxyConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The annotated config files of the distribution's {@code conf/}: every key of {@code
 * gatehouse-app.toml} and {@code gatehouse-proxy.toml} with its meaning, type and default,
 * commented out, so the file as shipped runs on the defaults and an operator uncomments what
 * they change. Rendered from {@code AppServerConfig.keys()} and {@code ProxyConfig.keys()} at
 * build time ({@link #main}), so the files cannot drift from the code.
 */
public final class ConfigTemplate {

    private static final int WIDTH = 100;

    private ConfigTemplate() {
    }

    /**
     * Writes {@code gatehouse-app.toml} and {@code gatehouse-proxy.toml} into a directory; the
     * build runs this at prepare-package.
     *
     * @param args the output directory
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: ConfigTemplate OUTPUT_DIR");
            System.exit(2);
        }
        Path dir = Files.createDirectories(Path.of(args[0]));
        Files.writeString(dir.resolve(AppServerConfig.FILE_NAME), appServer(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(ProxyConfig.FILE_NAME), proxy(), StandardCharsets.UTF_8);
    }

    /** The annotated {@code gatehouse-app.toml}. */
    public static String appServer() {
        return render(AppServerConfig.FILE_NAME, List.of(
                "The Gatehouse app-server: a master and N worker JVMs serving the uwsgi protocol.",
                "Run it with: gatehouse app-server --config " + AppServerConfig.FILE_NAME,
                "Signals to the master: HUP reload, TERM graceful stop, INT quick stop,",
                "TTIN/TTOU one worker more/less, USR1 reopen log files (docs/operations.md)."),
                AppServerConfig.keys());
    }

    /** The annotated {@code gatehouse-proxy.toml}. */
    public static String proxy() {
        return render(ProxyConfig.FILE_NAME, List.of(
                "The Gatehouse proxy: the HTTP edge, serving static files and forwarding the rest",
                "to uwsgi upstreams. Run it with: gatehouse proxy --config " + ProxyConfig.FILE_NAME,
                "Signals: TERM graceful stop, HUP reload, USR1 reopen the access log.",
                "NAME and EXT below stand for a name you choose (an upstream's) and a file extension."),
                ProxyConfig.keys());
    }

    static String render(String fileName, List<String> intro, List<KeySpec> keys) {
        StringBuilder out = new StringBuilder();
        out.append("# ").append(fileName).append('\n');
        out.append("#\n");
        for (String line : intro) {
            out.append("# ").append(line).append('\n');
        }
        out.append("#\n");
        out.append("# Every key is listed with its default and commented out: this file as it is runs on the\n");
        out.append("# defaults. Uncomment a key to change it; command-line flags override the file.\n");
        out.append("# Sizes: 512k, 1m. Durations: 500ms, 30s, 2m. Addresses: unix:/path, host:port, [::1]:port.\n");
        out.append("# Check a file with: gatehouse check-config ").append(fileName).append('\n');
        out.append("# (Generated from the key table in the conf module; docs/configuration.md lists the same.)\n");
        KeyLayout.Table root = KeyLayout.of(keys).root();
        for (KeySpec key : root.keys()) {
            key(out, root, key);
        }
        for (KeyLayout.Table t : root.tables()) {
            table(out, t);
        }
        return out.toString();
    }

    private static void table(StringBuilder out, KeyLayout.Table t) {
        out.append('\n');
        comment(out, sentence(t.spec().description()));
        String kind = t.array() ? "Repeat the header for each one" : "A table";
        comment(out, kind + "; " + defaultPhrase(t.spec()) + ".");
        out.append('#').append(t.header()).append('\n');
        for (KeySpec key : t.keys()) {
            key(out, t, key);
        }
        for (KeyLayout.Table sub : t.tables()) {
            table(out, sub);
        }
    }

    private static void key(StringBuilder out, KeyLayout.Table in, KeySpec key) {
        out.append('\n');
        comment(out, sentence(key.description()));
        String leaf = in.leaf(key);
        if (isLiteral(key.defaultValue())) {
            comment(out, "Type: " + key.type() + ".");
            out.append('#').append(leaf).append(" = ").append(key.defaultValue()).append('\n');
        } else {
            comment(out, "Type: " + key.type() + ". Default: " + unparenthesized(key.defaultValue()) + ".");
            out.append('#').append(leaf).append(" =\n");
        }
    }

    /** TOML text ({@code 2048}, {@code "30s"}, {@code []}) rather than a phrase such as {@code (not set)}. */
    static boolean isLiteral(String defaultValue) {
        return !defaultValue.startsWith("(");
    }

    private static String defaultPhrase(KeySpec table) {
        String d = unparenthesized(table.defaultValue());
        return d.equals("none") ? "none by default" : d;
    }

    private static String unparenthesized(String phrase) {
        return phrase.startsWith("(") && phrase.endsWith(")") ? phrase.substring(1, phrase.length() - 1) : phrase;
    }

    private static String sentence(String description) {
        return description.endsWith(".") ? description : description + ".";
    }

    /** Writes text as {@code # } lines wrapped at {@link #WIDTH} columns. */
    private static void comment(StringBuilder out, String text) {
        StringBuilder line = new StringBuilder("#");
        for (String word : text.split(" ")) {
            if (line.length() > 1 && line.length() + 1 + word.length() > WIDTH) {
                out.append(line).append('\n');
                line.setLength(1);
            }
            line.append(' ').append(word);
        }
        out.append(line).append('\n');
    }
}
