package dev.gatehouse.conf;

import java.util.Objects;

/**
 * The description of one configuration key, for generated documentation and for checking that
 * the docs list every key: {@code AppServerConfig.keys()} and {@code ProxyConfig.keys()} return
 * one per key, in file order.
 *
 * @param path the key path; {@code <name>} stands for a table name the user picks
 *     ({@code upstream.<name>.keepalive}) and {@code []} for an element of an array of tables
 *     ({@code location[].root})
 * @param type the value's type as the docs name it ("integer", "size", "list of addresses")
 * @param defaultValue the default as TOML text ({@code "127.0.0.1:3031"}, {@code 2048}), or a
 *     phrase in parentheses where no literal applies: {@code (not set)}, {@code (required)},
 *     {@code (the number of CPUs)}
 * @param description one line saying what the key does
 */
public record KeySpec(String path, String type, String defaultValue, String description) {

    /** Checks that no field is null. */
    public KeySpec {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(defaultValue, "defaultValue");
        Objects.requireNonNull(description, "description");
    }
}
