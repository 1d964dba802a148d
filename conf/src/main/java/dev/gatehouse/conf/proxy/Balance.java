package dev.gatehouse.conf.proxy;

import dev.gatehouse.conf.ConfigWord;

/** How an upstream pool picks a server ({@code balance} key). */
public enum Balance implements ConfigWord {
    /** Weighted round robin (nginx's smooth weighted variant): the default. */
    ROUND_ROBIN,
    /** The server with the fewest active requests relative to its weight. */
    LEAST_CONN;

    @Override
    public String toString() {
        return token();
    }
}
