package dev.gatehouse.conf;

import java.util.Locale;

/**
 * An enum whose constants are the words a config key accepts ({@code balance = "least_conn"}).
 * The word is the constant's name in lower case, so an enum says its spelling once, in its
 * constants' names, and every key of that type parses and writes it the same way.
 */
public interface ConfigWord {

    /** The spelling in config files: the constant's name in lower case. */
    default String token() {
        return ((Enum<?>) this).name().toLowerCase(Locale.ROOT);
    }
}
