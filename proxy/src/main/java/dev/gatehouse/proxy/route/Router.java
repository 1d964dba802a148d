package dev.gatehouse.proxy.route;

import dev.gatehouse.conf.proxy.LocationConfig;
import dev.gatehouse.conf.proxy.LocationMatch;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Picks a request's location as nginx's {@code ngx_http_core_find_location} does: an exact
 * location wins at once; otherwise the longest matching prefix is remembered, and unless it is a
 * {@code ^~} prefix the regex locations are tried in file order, the first match winning; without
 * a regex match the longest prefix serves. Immutable: a reload builds a new one.
 */
public final class Router {

    private final Map<String, Route> exact = new HashMap<>();
    private final List<Route> prefixes = new ArrayList<>();
    private final List<Route> regexes = new ArrayList<>();

    private Router(List<LocationConfig> locations) {
        for (int i = 0; i < locations.size(); i++) {
            LocationConfig l = locations.get(i);
            Route r = new Route(i, l);
            switch (l.match().kind()) {
                case EXACT -> exact.putIfAbsent(l.match().path(), r);
                case PREFIX, PREFIX_NO_REGEX -> prefixes.add(r);
                case REGEX, REGEX_CASELESS -> regexes.add(r);
            }
        }
        // Longest first, so the first match is the longest.
        prefixes.sort(Comparator.comparingInt((Route r) -> r.location().match().path().length()).reversed());
    }

    /** A router over locations in file order. */
    public static Router of(List<LocationConfig> locations) {
        return new Router(locations);
    }

    /**
     * The location for a decoded, normalized path, or null when none matches (404).
     *
     * @param path the request path, starting with '/'
     */
    public Route select(String path) {
        Route r = exact.get(path);
        if (r != null) {
            return r;
        }
        Route prefix = null;
        for (Route p : prefixes) {
            if (p.location().match().matches(path)) {
                prefix = p;
                break;
            }
        }
        if (prefix != null && prefix.location().match().kind() == LocationMatch.Kind.PREFIX_NO_REGEX) {
            return prefix;
        }
        for (Route x : regexes) {
            if (x.location().match().matches(path)) {
                return x;
            }
        }
        return prefix;
    }
}
