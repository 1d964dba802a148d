package dev.gatehouse.uwsgi;

import java.util.Objects;

/**
 * Limits and acceptance rules of {@link UwsgiRequestDecoder}, with their defaults in one place.
 *
 * @param maxVarsSize   the largest {@code datasize} accepted, 1..65536; a larger one is refused
 *                      from the header, before any of the block is buffered. The default 65536
 *                      puts no limit beyond the u16 field itself (65535).
 * @param modifierRule  which {@code modifier1}/{@code modifier2} pairs are requests for this
 *                      server; default {@link ModifierRule#appRequests()}
 * @param maxChunkSize  the largest body chunk emitted, in bytes (at least 1); default 64 KiB.
 *                      Chunks are slices of what was read, so this bounds a chunk, not memory.
 * @param copyVarsToHeap whether a vars block read into direct memory is copied into a heap buffer
 *                      from the channel's allocator (default true) instead of kept as a retained
 *                      slice of the read buffer. The copy (one memcpy of at most 64 KiB, usually a
 *                      few hundred bytes) pays for itself: a request lives as long as the app
 *                      works on it, and a slice would pin the whole read buffer (often 16-64 KiB)
 *                      for that time; and on Java 25 Netty 4.2 runs without
 *                      {@code sun.misc.Unsafe}, so every read of direct memory goes through NIO,
 *                      which made decode-plus-five-lookups about 1.5x slower in the JMH benchmark.
 *                      Heap input is always sliced, never copied.
 */
public record UwsgiDecoderConfig(int maxVarsSize, ModifierRule modifierRule, int maxChunkSize,
                                 boolean copyVarsToHeap) {

    public static final int DEFAULT_MAX_VARS_SIZE = 65536;
    public static final int DEFAULT_MAX_CHUNK_SIZE = 64 * 1024;

    private static final UwsgiDecoderConfig DEFAULTS =
            new UwsgiDecoderConfig(DEFAULT_MAX_VARS_SIZE, ModifierRule.appRequests(), DEFAULT_MAX_CHUNK_SIZE, true);

    public UwsgiDecoderConfig {
        if (maxVarsSize < 1 || maxVarsSize > DEFAULT_MAX_VARS_SIZE) {
            throw new IllegalArgumentException("maxVarsSize must be 1..65536 bytes, got " + maxVarsSize);
        }
        Objects.requireNonNull(modifierRule, "modifierRule");
        if (maxChunkSize < 1) {
            throw new IllegalArgumentException("maxChunkSize must be at least 1 byte, got " + maxChunkSize);
        }
    }

    /**
     * 65536-byte vars limit, app requests only (modifier1 0, or 8 with modifier2 0), 64 KiB chunks,
     * vars blocks copied to the heap.
     */
    public static UwsgiDecoderConfig defaults() {
        return DEFAULTS;
    }

    public UwsgiDecoderConfig withMaxVarsSize(int maxVarsSize) {
        return new UwsgiDecoderConfig(maxVarsSize, modifierRule, maxChunkSize, copyVarsToHeap);
    }

    public UwsgiDecoderConfig withModifierRule(ModifierRule modifierRule) {
        return new UwsgiDecoderConfig(maxVarsSize, modifierRule, maxChunkSize, copyVarsToHeap);
    }

    public UwsgiDecoderConfig withMaxChunkSize(int maxChunkSize) {
        return new UwsgiDecoderConfig(maxVarsSize, modifierRule, maxChunkSize, copyVarsToHeap);
    }

    public UwsgiDecoderConfig withCopyVarsToHeap(boolean copyVarsToHeap) {
        return new UwsgiDecoderConfig(maxVarsSize, modifierRule, maxChunkSize, copyVarsToHeap);
    }

    /**
     * Decides which packet types the decoder accepts. Ints, not a {@code BiPredicate<Integer,
     * Integer>}, so that checking a header boxes nothing.
     */
    @FunctionalInterface
    public interface ModifierRule {

        /** Whether a packet with these header modifiers (each 0..255) is accepted. */
        boolean accepts(int modifier1, int modifier2);

        /** What the rule accepts, for the refusal message; override it in named rules. */
        default String describe() {
            return "the configured modifier rule";
        }

        /**
         * HTTP requests for the app, as the design fixes them: modifier1 0 (WSGI-style, nginx's
         * default; uWSGI's python plugin ignores modifier2, so any is accepted) and modifier1 8 with
         * modifier2 0 (uWSGI's JWSGI; 8/1 is Ring and 8/2 the servlet stub, which we do not serve).
         */
        static ModifierRule appRequests() {
            return AppRequests.INSTANCE;
        }

        /** Every packet type; for tools and tests that look at packets rather than serve them. */
        static ModifierRule any() {
            return AnyModifier.INSTANCE;
        }
    }

    private enum AppRequests implements ModifierRule {
        INSTANCE;

        @Override
        public boolean accepts(int modifier1, int modifier2) {
            return modifier1 == 0 || (modifier1 == 8 && modifier2 == 0);
        }

        @Override
        public String describe() {
            return "modifier1 0 (WSGI-style, any modifier2) or modifier1 8 with modifier2 0 (JWSGI)";
        }
    }

    private enum AnyModifier implements ModifierRule {
        INSTANCE;

        @Override
        public boolean accepts(int modifier1, int modifier2) {
            return true;
        }

        @Override
        public String describe() {
            return "any modifiers";
        }
    }
}
