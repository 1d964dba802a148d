package dev.gatehouse.appserver.servlet;

import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.session.FileSessionDataStore;
import org.eclipse.jetty.session.SessionData;
import org.eclipse.jetty.session.UnwriteableSessionDataException;

/**
 * Jetty's {@link FileSessionDataStore}, made safe for several processes sharing one directory.
 * The stock store keeps an in-memory index of the session files, filled once at start, and
 * rewrites a session by deleting its file and writing a new one in place: fine for one JVM, but
 * a worker would neither see sessions other workers made after it started nor be safe from
 * reading a half-written file. Here every lookup asks the directory (a session's file name is
 * {@code expiry_context_vhost_id}, so its files are found by name), and a store writes a
 * temporary file and renames it into place (atomic within one file system) before removing the
 * session's older files. The file format stays Jetty's own.
 */
final class SharedFileSessionDataStore extends FileSessionDataStore {

    private static final String PARTIAL = ".partial";

    /** Points the index at the newest file of this session on disk, or drops it when there is none. */
    private void refresh(String id) throws IOException {
        String idWithContext = getIdWithContext(id);
        String newest = null;
        long newestExpiry = Long.MIN_VALUE;
        for (String name : filesOf(idWithContext)) {
            long rank = rank(getExpiryFromFilename(name));
            if (newest == null || rank > newestExpiry) {
                newest = name;
                newestExpiry = rank;
            }
        }
        if (newest == null) {
            _sessionFileMap.remove(idWithContext);
        } else {
            _sessionFileMap.put(idWithContext, newest);
        }
    }

    /** Expiry 0 is "never expires": the latest of all. */
    private static long rank(long expiry) {
        return expiry <= 0 ? Long.MAX_VALUE : expiry;
    }

    private List<String> filesOf(String idWithContext) throws IOException {
        List<String> names = new ArrayList<>();
        Path dir = _storeDir.toPath();
        // The glob is matched by name only; ids are URL-safe tokens, and a '[' or '*' could not
        // match more than this session anyway since the whole tail must be equal.
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path p : files) {
                String name = p.getFileName().toString();
                if (!name.endsWith(PARTIAL) && isSessionFilename(name)
                        && idWithContext.equals(getIdWithContextFromFilename(name))) {
                    names.add(name);
                }
            }
        }
        return names;
    }

    @Override
    public SessionData doLoad(String id) throws Exception {
        for (int attempt = 0; ; attempt++) {
            refresh(id);
            try {
                return super.doLoad(id);
            } catch (FileNotFoundException e) {
                // Another worker replaced the file between the listing and the open.
                if (attempt >= 3) {
                    throw e;
                }
            }
        }
    }

    @Override
    public boolean doExists(String id) throws Exception {
        refresh(id);
        return super.doExists(id);
    }

    @Override
    public boolean delete(String id) throws Exception {
        if (_storeDir == null) {
            return false;
        }
        String idWithContext = getIdWithContext(id);
        boolean any = false;
        for (String name : filesOf(idWithContext)) {
            any |= deleteFile(name);
        }
        _sessionFileMap.remove(idWithContext);
        return any;
    }

    @Override
    public void doStore(String id, SessionData data, long lastSaveTime) throws Exception {
        if (_storeDir == null) {
            return;
        }
        String idWithContext = getIdWithContext(id);
        String filename = getIdWithContextAndExpiry(data);
        Path target = new File(_storeDir, filename).toPath();
        Path partial = Files.createTempFile(_storeDir.toPath(), "store-", PARTIAL);
        try {
            try (OutputStream out = Files.newOutputStream(partial)) {
                save(out, id, data);
            }
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (Exception e) {
            Files.deleteIfExists(partial);
            throw new UnwriteableSessionDataException(id, _context, e);
        }
        // Only older files go: a file with a later expiry was written by another worker for a
        // later access of the session, and readers take the latest, so it must stay.
        long mine = rank(getExpiryFromFilename(filename));
        for (String name : filesOf(idWithContext)) {
            if (!name.equals(filename) && rank(getExpiryFromFilename(name)) <= mine) {
                deleteFile(name);
            }
        }
        _sessionFileMap.put(idWithContext, filename);
    }
}
