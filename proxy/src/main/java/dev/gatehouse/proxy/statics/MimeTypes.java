package dev.gatehouse.proxy.statics;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Content-Type by file extension: a built-in table (the common part of nginx's
 * {@code conf/mime.types}) under the config's {@code [mime_types]}. Extensions are matched
 * without case; a file without a known extension is {@code application/octet-stream}, nginx's
 * usual {@code default_type}.
 */
public final class MimeTypes {

    /** The type of a file whose extension is not in the table. */
    public static final String DEFAULT_TYPE = "application/octet-stream";

    private static final String[] BUILT_IN = {
        "html htm shtml", "text/html",
        "css", "text/css",
        "xml", "text/xml",
        "txt", "text/plain",
        "csv", "text/csv",
        "md", "text/markdown",
        "js mjs", "application/javascript",
        "json map", "application/json",
        "wasm", "application/wasm",
        "pdf", "application/pdf",
        "zip", "application/zip",
        "gz tgz", "application/gzip",
        "tar", "application/x-tar",
        "rss", "application/rss+xml",
        "atom", "application/atom+xml",
        "xhtml", "application/xhtml+xml",
        "woff", "font/woff",
        "woff2", "font/woff2",
        "ttf", "font/ttf",
        "otf", "font/otf",
        "gif", "image/gif",
        "jpeg jpg", "image/jpeg",
        "png", "image/png",
        "webp", "image/webp",
        "avif", "image/avif",
        "svg svgz", "image/svg+xml",
        "ico", "image/x-icon",
        "bmp", "image/x-ms-bmp",
        "tif tiff", "image/tiff",
        "mp3", "audio/mpeg",
        "ogg", "audio/ogg",
        "m4a", "audio/x-m4a",
        "wav", "audio/wav",
        "mp4", "video/mp4",
        "webm", "video/webm",
        "mpeg mpg", "video/mpeg",
        "mov", "video/quicktime",
        "bin exe dll iso img", "application/octet-stream",
        "jar war ear", "application/java-archive",
        "doc", "application/msword",
        "rtf", "application/rtf",
        "wml", "text/vnd.wap.wml",
    };

    private final Map<String, String> types = new HashMap<>();

    /**
     * The built-in table with these entries added or replaced.
     *
     * @param overrides extension without dot to Content-Type
     */
    public MimeTypes(Map<String, String> overrides) {
        for (int i = 0; i < BUILT_IN.length; i += 2) {
            for (String ext : BUILT_IN[i].split(" ")) {
                types.put(ext, BUILT_IN[i + 1]);
            }
        }
        overrides.forEach((ext, type) -> types.put(ext.toLowerCase(Locale.ROOT), type));
    }

    /** The Content-Type for a file name. */
    public String forName(String fileName) {
        int dot = fileName.lastIndexOf('.');
        if (dot < 0 || dot == fileName.length() - 1) {
            return DEFAULT_TYPE;
        }
        return types.getOrDefault(fileName.substring(dot + 1).toLowerCase(Locale.ROOT), DEFAULT_TYPE);
    }
}
