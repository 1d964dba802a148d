package dev.gatehouse.conf.proxy;

import dev.gatehouse.conf.ConfigWord;

/** The access log's line format ({@code access_log_format} key). */
public enum AccessLogFormat implements ConfigWord {
    /** nginx's {@code combined} format, readable by the usual log tools: the default. */
    COMBINED,
    /** One JSON object per line, every field escaped, so a hostile header cannot forge a line. */
    JSON;

    @Override
    public String toString() {
        return token();
    }
}
