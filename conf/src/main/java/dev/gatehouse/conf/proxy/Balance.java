package dev.gatehouse.conf.proxy;

/** How an upstream pool picks a server ({@code balance} key). */
public enum Balance {
    /** Weighted round robin (nginx's smooth weighted variant): the default. */
    ROUND_ROBIN("round_robin"),
    /** The server with the fewest active requests relative to its weight. */
    LEAST_CONN("least_conn");

    private final String token;

    Balance(String token) {
        this.token = token;
    }

    /** The spelling in config files. */
    public String token() {
        return token;
    }

    @Override
    public String toString() {
        return token;
    }
}
