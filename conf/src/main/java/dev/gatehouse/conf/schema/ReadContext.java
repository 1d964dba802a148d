package dev.gatehouse.conf.schema;

import dev.gatehouse.conf.ConfigException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The state one load shares between the readers of its tables: the root of the tree and the
 * errors found so far. Errors are collected, not thrown, so that one run reports them all.
 */
final class ReadContext {

    /** The source name of command-line overrides. */
    static final String COMMAND_LINE = "command line";

    private record Problem(Node.Origin origin, int seq, String message) {
    }

    private static final Comparator<Problem> FILE_ORDER = Comparator
            .comparing((Problem p) -> p.origin().commandLine())
            .thenComparingInt(p -> p.origin().line())
            .thenComparingInt(p -> p.origin().column())
            .thenComparingInt(Problem::seq);

    final Node.Table root;
    private final List<Problem> problems = new ArrayList<>();

    ReadContext(Node.Table root) {
        this.root = root;
    }

    /** Records an error; {@code message} is complete, starting with the source name. */
    void error(Node.Origin origin, String message) {
        problems.add(new Problem(origin, problems.size(), message));
    }

    /** Throws every recorded error at once, in file order then command-line order. */
    void throwIfAny() {
        if (!problems.isEmpty()) {
            throw new ConfigException(problems.stream().sorted(FILE_ORDER).map(Problem::message).toList());
        }
    }
}
