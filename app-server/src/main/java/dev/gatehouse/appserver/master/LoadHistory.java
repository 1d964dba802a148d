package dev.gatehouse.appserver.master;

import java.util.ArrayList;
import java.util.List;

/** The last samples of the pool's load, oldest first; a ring of fixed size. */
final class LoadHistory {

    private final LoadSample[] ring;
    private int next;
    private int size;

    /** @param capacity how many samples to keep, e.g. 900 for 15 minutes of one a second */
    LoadHistory(int capacity) {
        ring = new LoadSample[capacity];
    }

    void add(LoadSample s) {
        ring[next] = s;
        next = (next + 1) % ring.length;
        size = Math.min(size + 1, ring.length);
    }

    /** The newest samples that together span at most {@code seconds}, oldest first. */
    List<LoadSample> last(double seconds) {
        List<LoadSample> out = new ArrayList<>();
        double spanned = 0;
        for (int i = 1; i <= size; i++) {
            LoadSample s = ring[Math.floorMod(next - i, ring.length)];
            if (spanned + s.seconds() > seconds + 1e-9 && !out.isEmpty()) {
                break;
            }
            spanned += s.seconds();
            out.add(s);
        }
        return out.reversed();
    }
}
