package dev.gatehouse.conf.schema;

import dev.gatehouse.conf.ConfigException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

/** Reads TOML text into the {@link Node} tree: the only class that touches the TOML library. */
final class TomlSource {

    private TomlSource() {
    }

    /**
     * Reads and parses a file.
     *
     * @throws ConfigException if the file cannot be read, is not UTF-8, or is not valid TOML
     */
    static Node.Table read(Path file) {
        String source = file.toString();
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(source + ": cannot read: no such file", e);
        } catch (CharacterCodingException e) {
            throw new ConfigException(source + ": cannot read: not UTF-8 text (TOML files are UTF-8)", e);
        } catch (IOException e) {
            throw new ConfigException(source + ": cannot read: " + e, e);
        }
        // Editors on some systems save UTF-8 with a byte order mark, which TOML does not allow.
        return parse(text.startsWith("\uFEFF") ? text.substring(1) : text, source);
    }

    /**
     * Parses TOML text.
     *
     * @param source the file name, for positions and messages
     * @throws ConfigException listing every syntax error as {@code source:line:column: invalid TOML: ...}
     */
    static Node.Table parse(String text, String source) {
        TomlParseResult result = Toml.parse(text);
        if (result.hasErrors()) {
            throw new ConfigException(result.errors().stream().map(e -> syntaxError(source, e)).toList());
        }
        return table(result, new Node.Origin(source, false, 1, 1), source);
    }

    private static String syntaxError(String source, TomlParseError e) {
        TomlPosition p = e.position();
        String at = p == null ? "" : p.line() + ":" + p.column() + ":";
        return source + ":" + at + " invalid TOML: " + e.getMessage();
    }

    private static Node.Table table(TomlTable t, Node.Origin origin, String source) {
        Node.Table out = new Node.Table(origin);
        for (Map.Entry<String, Object> e : t.entrySet()) {
            Node.Origin at = origin(t.inputPositionOf(List.of(e.getKey())), origin, source);
            out.entries.put(e.getKey(), node(e.getValue(), at, source));
        }
        return out;
    }

    private static Node node(Object value, Node.Origin origin, String source) {
        if (value instanceof TomlTable t) {
            return table(t, origin, source);
        }
        if (value instanceof TomlArray a) {
            Node.Array out = new Node.Array(origin);
            for (int i = 0; i < a.size(); i++) {
                out.items().add(node(a.get(i), origin(a.inputPositionOf(i), origin, source), source));
            }
            return out;
        }
        return new Node.Scalar(value, false, origin);
    }

    private static Node.Origin origin(TomlPosition p, Node.Origin fallback, String source) {
        return p == null ? fallback : new Node.Origin(source, false, p.line(), p.column());
    }
}
