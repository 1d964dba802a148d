package dev.gatehouse.it.support;

import java.util.List;

/**
 * Compares the vars an app saw behind real nginx with those it saw behind the Gatehouse proxy,
 * for the same request: equal but for the vars that differ by nature.
 */
public final class FrontComparison {

    private FrontComparison() {
    }

    /**
     * @param vars the vars as {@code NAME=value} entries, in the order the app saw them
     * @return them less the ones that differ by nature: the client's and the server's port
     *     ({@code REMOTE_PORT}, {@code SERVER_PORT}), and the vars only Gatehouse sends
     *     ({@code GATEHOUSE_*})
     */
    public static List<String> comparable(List<String> vars) {
        return vars.stream().filter(v -> !v.startsWith("REMOTE_PORT=") && !v.startsWith("SERVER_PORT=")
                && !v.startsWith("GATEHOUSE_")).toList();
    }
}
