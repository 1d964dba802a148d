package dev.gatehouse.proxy.upstream;

import dev.gatehouse.proxy.exchange.Exchange;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's answer when an upstream head names a file ({@link ResponseHeadAction#ACCEL_REDIRECT},
 * {@link ResponseHeadAction#SENDFILE}): the proxy serves it zero-copy, the app's body unread. Called
 * after the call let its upstream connection go.
 */
final class AppNamedFile {

    /** Logged as the call: operators and tests know these lines by that name. */
    private static final Logger log = LoggerFactory.getLogger(UpstreamCall.class);

    private AppNamedFile() {
    }

    /**
     * Serves {@code uri} through an internal redirect, as nginx acts on {@code X-Accel-Redirect}:
     * as soon as the head is read, the upstream body not needed.
     *
     * @param upstream the pool's name, for the log
     */
    static void accelRedirect(Exchange ex, String upstream, String uri) {
        if (!uri.startsWith("/")) {
            log.error("upstream {}: X-Accel-Redirect '{}' is not a path", upstream, uri);
            ex.sendError(HttpResponseStatus.INTERNAL_SERVER_ERROR);
            return;
        }
        ex.internalRedirect(uri);
    }

    /**
     * Sends the file {@code X-Sendfile} names with the head's status and headers, if it is a
     * regular file inside {@code roots}; else answers the refusal's status (403, 404).
     *
     * @param upstream the pool's name, for the log
     */
    static void sendfile(Exchange ex, String upstream, ResponseHead h, List<Path> roots) {
        String name = h.headers().get(ResponseHeadAction.SENDFILE_HEADER);
        SendfileTarget.Result target = SendfileTarget.resolve(name, roots);
        if (target.status() != null) {
            log.warn("upstream {}: X-Sendfile '{}' refused: {}", upstream, name, target.reason());
            ex.sendError(target.status());
            return;
        }
        HttpResponse out = ex.newResponse(h.status());
        ResponseHeaders.copy(h.headers(), out.headers());
        out.headers().remove(ResponseHeadAction.SENDFILE_HEADER);
        out.headers().set(HttpHeaderNames.CONTENT_LENGTH, Long.toString(target.length()));
        ex.sendHead(out);
        if (!ex.isHead() && target.length() > 0) {
            ex.sendBody(new DefaultFileRegion(target.channel(), 0, target.length()));
        } else {
            try {
                target.channel().close();
            } catch (IOException e) {
                // nothing was read from it
            }
        }
        ex.finish();
    }
}
