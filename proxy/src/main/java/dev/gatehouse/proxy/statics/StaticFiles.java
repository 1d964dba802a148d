package dev.gatehouse.proxy.statics;

import dev.gatehouse.conf.proxy.LocationConfig;
import dev.gatehouse.conf.proxy.LocationMatch;
import dev.gatehouse.proxy.exchange.Exchange;
import dev.gatehouse.proxy.exchange.HttpDate;
import dev.gatehouse.proxy.exchange.ParsedRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Serves a static location: maps the request path into the location's root or alias without a
 * way out of it, picks a precompressed sibling, evaluates conditionals and ranges, and sends the
 * file zero-copy. Runs on the event loop; the only blocking calls are the stat and open of the
 * open-file cache's misses.
 */
public final class StaticFiles implements AutoCloseable {

    private final OpenFileCache cache;
    private volatile MimeTypes mimeTypes;

    /** A file service over this cache with these types. */
    public StaticFiles(OpenFileCache cache, MimeTypes mimeTypes) {
        this.cache = cache;
        this.mimeTypes = mimeTypes;
    }

    /** Replaces the MIME table (reload). */
    public void mimeTypes(MimeTypes types) {
        this.mimeTypes = types;
    }

    /** The open-file cache. */
    public OpenFileCache cache() {
        return cache;
    }

    /**
     * Answers the exchange from its location's files.
     *
     * @param fallback when true, a missing file is not answered and false is returned, so that
     *     the caller can forward the request ({@code try_files})
     * @return whether the exchange was answered
     */
    public boolean serve(Exchange ex, boolean fallback) {
        ParsedRequest r = ex.request();
        LocationConfig loc = ex.route().location();
        if (!r.method().equals(HttpMethod.GET) && !r.method().equals(HttpMethod.HEAD) && !ex.internallyRedirected()) {
            ex.sendError(HttpResponseStatus.METHOD_NOT_ALLOWED);
            return true;
        }
        String raw = r.rawPath();
        if (raw.indexOf('\\') >= 0 || containsIgnoreCase(raw, "%2f") || containsIgnoreCase(raw, "%5c")) {
            // Encoded slashes and backslashes name no file; refusing them keeps "..%2f" and
            // Windows-style separators from ever reaching a path lookup.
            ex.sendError(HttpResponseStatus.BAD_REQUEST);
            return true;
        }
        String path = ex.path();
        if (!loc.allowHidden() && path.contains("/.")) {
            if (fallback) {
                return false;
            }
            ex.sendError(HttpResponseStatus.NOT_FOUND);
            return true;
        }
        Path dir = loc.staticDirectory().orElseThrow();
        Path file;
        try {
            file = resolve(loc, dir, path);
        } catch (InvalidPathException e) {
            if (fallback) {
                return false;
            }
            ex.sendError(HttpResponseStatus.NOT_FOUND);
            return true;
        }
        OpenFileCache.Lookup found = cache.lookup(dir, file, loc.disableSymlinks());
        switch (found) {
            case OpenFileCache.Found f -> {
                try {
                    sendFile(ex, loc, dir, file, f.file());
                } finally {
                    f.file().release();
                }
                return true;
            }
            case OpenFileCache.Directory d -> {
                if (!path.endsWith("/")) {
                    String q = r.rawQuery();
                    ex.sendRedirect(raw + "/" + (q == null ? "" : "?" + q));
                    return true;
                }
                for (String index : loc.index()) {
                    if (cache.lookup(dir, file.resolve(index), loc.disableSymlinks()) instanceof OpenFileCache.Found f) {
                        try {
                            sendFile(ex, loc, dir, file.resolve(index), f.file());
                        } finally {
                            f.file().release();
                        }
                        return true;
                    }
                }
                if (fallback) {
                    return false;
                }
                // nginx: a directory without index file and without autoindex is 403.
                ex.sendError(HttpResponseStatus.FORBIDDEN);
                return true;
            }
            case OpenFileCache.Denied d -> {
                ex.sendError(HttpResponseStatus.FORBIDDEN);
                return true;
            }
            case OpenFileCache.Missing m -> {
                if (fallback) {
                    return false;
                }
                ex.sendError(HttpResponseStatus.NOT_FOUND);
                return true;
            }
        }
    }

    private static boolean containsIgnoreCase(String s, String needle) {
        return s.toLowerCase(Locale.ROOT).contains(needle);
    }

    /** The file for a normalized path: root + path, or alias in place of the matched prefix. */
    private static Path resolve(LocationConfig loc, Path dir, String path) {
        String rel;
        if (loc.root().isPresent()) {
            rel = path.substring(1);
        } else {
            LocationMatch m = loc.match();
            boolean prefix = m.kind() == LocationMatch.Kind.PREFIX || m.kind() == LocationMatch.Kind.PREFIX_NO_REGEX;
            rel = prefix ? path.substring(Math.min(m.path().length(), path.length())) : "";
            while (rel.startsWith("/")) {
                rel = rel.substring(1);
            }
        }
        Path file = rel.isEmpty() ? dir : dir.resolve(rel);
        // Normalized paths have no dot segments, but a file name is never allowed to lead out.
        if (!file.normalize().startsWith(dir)) {
            throw new InvalidPathException(rel, "outside the location's directory");
        }
        return file;
    }

    private void sendFile(Exchange ex, LocationConfig loc, Path dir, Path file, CachedFile original) {
        ParsedRequest r = ex.request();
        HttpHeaders rh = r.headers();
        String contentType = mimeTypes.forName(file.getFileName() == null ? "" : file.getFileName().toString());
        CachedFile body = original;
        String encoding = null;
        boolean vary = loc.gzipStatic() || loc.brotliStatic();
        CachedFile variant = null;
        if (vary) {
            String accept = rh.get(HttpHeaderNames.ACCEPT_ENCODING);
            if (accept != null) {
                if (loc.brotliStatic() && accepts(accept, "br")) {
                    variant = sibling(loc, dir, file, ".br");
                    encoding = variant != null ? "br" : null;
                }
                if (variant == null && loc.gzipStatic() && accepts(accept, "gzip")) {
                    variant = sibling(loc, dir, file, ".gz");
                    encoding = variant != null ? "gzip" : null;
                }
            }
            if (variant != null) {
                body = variant;
            }
        }
        try {
            respond(ex, loc, body, contentType, encoding, vary);
        } finally {
            if (variant != null) {
                variant.release();
            }
        }
    }

    private CachedFile sibling(LocationConfig loc, Path dir, Path file, String suffix) {
        Path p = file.resolveSibling(file.getFileName() + suffix);
        return cache.lookup(dir, p, loc.disableSymlinks()) instanceof OpenFileCache.Found f ? f.file() : null;
    }

    /** Whether Accept-Encoding accepts a coding with a non-zero q. */
    static boolean accepts(String acceptEncoding, String coding) {
        for (String part : acceptEncoding.split(",")) {
            String[] p = part.split(";");
            String name = p[0].strip();
            if (!name.equalsIgnoreCase(coding) && !name.equals("*")) {
                continue;
            }
            for (int i = 1; i < p.length; i++) {
                String param = p[i].strip();
                if (param.regionMatches(true, 0, "q=", 0, 2)) {
                    try {
                        return Double.parseDouble(param.substring(2).strip()) > 0;
                    } catch (NumberFormatException e) {
                        return false;
                    }
                }
            }
            return true;
        }
        return false;
    }

    private static void respond(Exchange ex, LocationConfig loc, CachedFile f, String contentType, String encoding,
            boolean vary) {
        ParsedRequest r = ex.request();
        long size = f.size();
        long mtime = f.mtimeSeconds();
        String etag = f.etag();
        switch (Preconditions.evaluate(r.headers(), etag, mtime)) {
            case PRECONDITION_FAILED -> {
                ex.sendError(HttpResponseStatus.PRECONDITION_FAILED);
                return;
            }
            case NOT_MODIFIED -> {
                HttpResponse resp = ex.newResponse(HttpResponseStatus.NOT_MODIFIED);
                validators(resp.headers(), loc, etag, f.lastModified(), vary);
                ex.sendHead(resp);
                ex.finish();
                return;
            }
            case PROCEED -> {
            }
        }
        List<ByteRanges.Range> ranges = null;
        String range = r.headers().get(HttpHeaderNames.RANGE);
        if (range != null && r.method().equals(HttpMethod.GET)) {
            String ifRange = r.headers().get(HttpHeaderNames.IF_RANGE);
            if (ifRange == null || Preconditions.ifRangeHolds(ifRange, etag, mtime)) {
                ranges = ByteRanges.parse(range, size);
            }
        }
        if (ranges != null && ranges.isEmpty()) {
            HttpResponse resp = ex.newResponse(HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE);
            resp.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + size);
            ex.sendErrorPage(resp);
            return;
        }
        HttpResponse resp = ex.newResponse(ranges == null ? HttpResponseStatus.OK : HttpResponseStatus.PARTIAL_CONTENT);
        HttpHeaders h = resp.headers();
        validators(h, loc, etag, f.lastModified(), vary);
        h.set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
        if (encoding != null) {
            h.set(HttpHeaderNames.CONTENT_ENCODING, encoding);
        }
        boolean head = ex.isHead();
        if (ranges == null) {
            h.set(HttpHeaderNames.CONTENT_TYPE, contentType);
            h.set(HttpHeaderNames.CONTENT_LENGTH, size);
            ex.sendHead(resp);
            if (!head && size > 0) {
                ex.sendBody(f.region(0, size));
            }
        } else if (ranges.size() == 1) {
            ByteRanges.Range one = ranges.get(0);
            h.set(HttpHeaderNames.CONTENT_TYPE, contentType);
            h.set(HttpHeaderNames.CONTENT_LENGTH, one.length());
            h.set(HttpHeaderNames.CONTENT_RANGE, "bytes " + one.first() + "-" + one.last() + "/" + size);
            ex.sendHead(resp);
            ex.sendBody(f.region(one.first(), one.length()));
        } else {
            sendMultipart(ex, resp, f, ranges, contentType);
        }
        ex.finish();
    }

    /** multipart/byteranges (RFC 9110 14.6): each part's head, its bytes zero-copy, then the closing boundary. */
    private static void sendMultipart(Exchange ex, HttpResponse resp, CachedFile f, List<ByteRanges.Range> ranges,
            String contentType) {
        String boundary = String.format("%020d", ThreadLocalRandom.current().nextLong(Long.MAX_VALUE));
        byte[][] heads = new byte[ranges.size()][];
        long length = 0;
        for (int i = 0; i < ranges.size(); i++) {
            ByteRanges.Range rg = ranges.get(i);
            heads[i] = ("\r\n--" + boundary + "\r\nContent-Type: " + contentType + "\r\nContent-Range: bytes "
                    + rg.first() + "-" + rg.last() + "/" + f.size() + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
            length += heads[i].length + rg.length();
        }
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.ISO_8859_1);
        length += tail.length;
        resp.headers().set(HttpHeaderNames.CONTENT_TYPE, "multipart/byteranges; boundary=" + boundary);
        resp.headers().set(HttpHeaderNames.CONTENT_LENGTH, length);
        ex.sendHead(resp);
        for (int i = 0; i < ranges.size(); i++) {
            ByteRanges.Range rg = ranges.get(i);
            ex.sendBody(Unpooled.wrappedBuffer(heads[i]));
            ex.sendBody(f.region(rg.first(), rg.length()));
        }
        ByteBuf t = Unpooled.wrappedBuffer(tail);
        ex.sendBody(t);
    }

    private static void validators(HttpHeaders h, LocationConfig loc, String etag, String lastModified,
            boolean vary) {
        h.set(HttpHeaderNames.LAST_MODIFIED, lastModified);
        h.set(HttpHeaderNames.ETAG, etag);
        if (vary) {
            h.set(HttpHeaderNames.VARY, "Accept-Encoding");
        }
        loc.expires().ifPresent(d -> {
            long now = System.currentTimeMillis() / 1000;
            h.set(HttpHeaderNames.EXPIRES, HttpDate.format(now + d.getSeconds()));
            h.set(HttpHeaderNames.CACHE_CONTROL, "max-age=" + d.getSeconds());
        });
        loc.cacheControl().ifPresent(c -> h.set(HttpHeaderNames.CACHE_CONTROL, c));
    }

    @Override
    public void close() {
        cache.close();
    }
}
