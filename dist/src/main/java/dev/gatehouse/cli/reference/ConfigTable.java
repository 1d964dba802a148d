package dev.gatehouse.cli.reference;

import dev.gatehouse.conf.KeySpec;
import java.util.List;

/**
 * The Markdown table of a config file's keys that {@code docs/configuration.md} holds between
 * {@code <!-- BEGIN GENERATED: ... -->} and {@code <!-- END GENERATED: ... -->} markers; a test
 * compares the doc with this rendering of {@code keys()} so the doc cannot drift.
 */
public final class ConfigTable {

    private ConfigTable() {
    }

    /** One row per key, in file order: key path, type, default, meaning. */
    public static String markdown(List<KeySpec> keys) {
        StringBuilder out = new StringBuilder();
        out.append("| key | type | default | meaning |\n");
        out.append("| --- | --- | --- | --- |\n");
        for (KeySpec k : keys) {
            String def = ConfigTemplate.isLiteral(k.defaultValue()) ? code(k.defaultValue()) : cell(k.defaultValue());
            out.append("| ").append(code(k.path()))
                    .append(" | ").append(cell(k.type()))
                    .append(" | ").append(def)
                    .append(" | ").append(cell(k.description()))
                    .append(" |\n");
        }
        return out.toString();
    }

    /** The block between a file's markers, markers included. */
    public static String block(String fileName, List<KeySpec> keys) {
        return beginMarker(fileName) + "\n" + markdown(keys) + endMarker(fileName);
    }

    /** The line that opens a file's generated block. */
    public static String beginMarker(String fileName) {
        return "<!-- BEGIN GENERATED: " + fileName + " keys, from the conf module's key table; do not edit -->";
    }

    /** The line that closes a file's generated block. */
    public static String endMarker(String fileName) {
        return "<!-- END GENERATED: " + fileName + " keys -->";
    }

    /** Inline code; a value holding a backtick is fenced with two. */
    private static String code(String text) {
        String fence = text.contains("`") ? "``" : "`";
        return fence + cell(text) + fence;
    }

    /** A table cell: a '|' would end the cell, so it is escaped. */
    private static String cell(String text) {
        return text.replace("|", "\\|");
    }
}
