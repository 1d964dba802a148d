package dev.gatehouse.appserver.worker;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.Set;

/** The file of a listening unix socket: made ready before bind, given its owner and mode after. */
public final class UnixSocketFile {

    private UnixSocketFile() {
    }

    /**
     * Makes the path free for a bind: creates missing parent directories, removes a stale
     * socket left by a dead server, and refuses when a live server still listens there.
     *
     * @throws IOException naming the path and what to do
     */
    public static void prepare(Path path) throws IOException {
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            Files.createDirectories(parent, new FileAttribute<?>[0]);
        }
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS) || Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("cannot bind " + path + ": a file or directory that is not a socket is in the way");
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(path));
            throw new IOException("cannot bind " + path + ": another server is listening on it; stop it or choose another bind");
        } catch (java.net.SocketException stale) {
            // Nobody accepts: a socket file left behind by a server that died. Safe to replace.
            Files.deleteIfExists(path);
        }
    }

    /**
     * Sets the socket file's permissions and, when given, its owner and group (as uWSGI's
     * {@code chmod-socket} and {@code chown-socket}).
     *
     * @param permissions e.g. rw-rw---- for mode 0660
     * @param owner a user name, or null to keep
     * @param group a group name, or null to keep
     */
    public static void apply(Path path, Set<PosixFilePermission> permissions, String owner, String group) throws IOException {
        // Following links is fine here: the path was just bound by us. NOFOLLOW would make the
        // JDK open() the file to fchmod it, and opening a socket file fails with ENXIO.
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
        UserPrincipalLookupService users = path.getFileSystem().getUserPrincipalLookupService();
        if (owner != null && !owner.isEmpty()) {
            UserPrincipal user = users.lookupPrincipalByName(owner);
            view.setOwner(user);
        }
        if (group != null && !group.isEmpty()) {
            GroupPrincipal g = users.lookupPrincipalByGroupName(group);
            view.setGroup(g);
        }
        view.setPermissions(permissions);
    }
}
