package dev.gatehouse.proxy.upstream;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Checks the file an upstream names in {@code X-Sendfile}: an absolute path whose real location
 * (symbolic links resolved) is a regular file inside one of the location's
 * {@code sendfile_roots}. Anything else is refused, so an app (or an attacker steering one)
 * cannot make the proxy send {@code /etc/shadow}.
 */
final class SendfileTarget {

    private SendfileTarget() {
    }

    /**
     * The outcome: an open file and its length, or a status with the reason.
     *
     * @param channel the open file, or null
     * @param length its length
     * @param status null when the file may be sent, else the error status
     * @param reason why it was refused
     */
    record Result(FileChannel channel, long length, HttpResponseStatus status, String reason) {
        static Result refused(HttpResponseStatus s, String reason) {
            return new Result(null, 0, s, reason);
        }
    }

    static Result resolve(String name, List<Path> roots) {
        Path path;
        try {
            path = Path.of(name);
        } catch (InvalidPathException e) {
            return Result.refused(HttpResponseStatus.FORBIDDEN, "not a path");
        }
        if (!path.isAbsolute()) {
            return Result.refused(HttpResponseStatus.FORBIDDEN, "not an absolute path");
        }
        Path real;
        try {
            real = path.toRealPath();
        } catch (NoSuchFileException e) {
            return Result.refused(HttpResponseStatus.NOT_FOUND, "no such file");
        } catch (IOException e) {
            return Result.refused(HttpResponseStatus.FORBIDDEN, e.toString());
        }
        boolean inside = false;
        for (Path root : roots) {
            try {
                if (real.startsWith(root.toRealPath())) {
                    inside = true;
                    break;
                }
            } catch (IOException e) {
                // a missing root holds no files
            }
        }
        if (!inside) {
            return Result.refused(HttpResponseStatus.FORBIDDEN, "outside sendfile_roots " + roots);
        }
        try {
            FileChannel ch = FileChannel.open(real, StandardOpenOption.READ);
            if (!java.nio.file.Files.isRegularFile(real)) {
                ch.close();
                return Result.refused(HttpResponseStatus.FORBIDDEN, "not a regular file");
            }
            return new Result(ch, ch.size(), null, null);
        } catch (IOException e) {
            return Result.refused(HttpResponseStatus.FORBIDDEN, e.toString());
        }
    }
}
