package dev.gatehouse.conf.proxy;

/** The access log's line format ({@code access_log_format} key). */
public enum AccessLogFormat {
    /** nginx's {@code combined} format, readable by the usual log tools: the default. */
    COMBINED("combined"),
    /** One JSON object per line, every field escaped, so a hostile header cannot forge a line. */
    JSON("json");

    private final String token;

    AccessLogFormat(String token) {
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
