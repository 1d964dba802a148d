package dev.gatehouse.proxy.statics;

import dev.gatehouse.conf.proxy.SymlinkPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Applies a location's {@code disable_symlinks} policy to a file below its root, checking every
 * path component under the root (not only the last), as nginx does with openat(2) per component.
 */
final class SymlinkGuard {

    private SymlinkGuard() {
    }

    /**
     * Whether the file may be served.
     *
     * @param root the location's root or alias directory (links above it are the operator's own)
     * @param file a path below root
     */
    static boolean allows(SymlinkPolicy policy, Path root, Path file) throws IOException {
        return switch (policy) {
            case OFF -> true;
            case OUTSIDE_ROOT -> file.toRealPath().startsWith(root.toRealPath());
            case ON -> noLinkBelow(root, file, false);
            case IF_NOT_OWNER -> noLinkBelow(root, file, true);
        };
    }

    private static boolean noLinkBelow(Path root, Path file, boolean sameOwnerAllowed) throws IOException {
        Path rel = root.relativize(file);
        Path p = root;
        for (Path part : rel) {
            p = p.resolve(part);
            if (Files.isSymbolicLink(p)) {
                if (!sameOwnerAllowed) {
                    return false;
                }
                if (!Files.getOwner(p, LinkOption.NOFOLLOW_LINKS).equals(Files.getOwner(p))) {
                    return false;
                }
            }
        }
        return true;
    }
}
