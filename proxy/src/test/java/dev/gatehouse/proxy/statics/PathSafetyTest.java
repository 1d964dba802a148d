package dev.gatehouse.proxy.statics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.proxy.support.RawClient;
import dev.gatehouse.proxy.support.TestProxy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** No way out of the root: every trick gets 400 or 404, never the secret. */
class PathSafetyTest {

    @TempDir
    Path base;
    Path root;
    TestProxy proxy;

    @BeforeEach
    void tree() throws IOException {
        root = Files.createDirectories(base.resolve("www"));
        Files.writeString(base.resolve("secret.txt"), "SECRET");
        Files.writeString(root.resolve("ok.txt"), "ok");
        Files.createDirectories(root.resolve("sub"));
        Files.writeString(root.resolve("sub/inner.txt"), "inner");
        Files.createDirectories(root.resolve(".git"));
        Files.writeString(root.resolve(".git/config"), "GIT");
        Files.writeString(root.resolve(".env"), "ENV");
        Files.createSymbolicLink(root.resolve("out.txt"), base.resolve("secret.txt"));
        Files.createSymbolicLink(root.resolve("outdir"), base);
        Files.createSymbolicLink(root.resolve("in.txt"), root.resolve("ok.txt"));
        proxy = start("");
    }

    private TestProxy start(String extra) {
        return TestProxy.start("[[location]]\npath = \"/\"\nroot = \"" + root + "\"\n" + extra
                + "[[location]]\npath = \"/files/\"\nalias = \"" + root + "/sub/\"\n" + extra, Map.of());
    }

    @AfterEach
    void stop() {
        proxy.close();
    }

    private RawClient.Response get(String target) {
        try (RawClient c = proxy.client()) {
            return c.send("GET " + target + " HTTP/1.1\r\nHost: t\r\n\r\n").read();
        }
    }

    private void assertRefused(String target) {
        RawClient.Response r = get(target);
        assertTrue(r.status() == 400 || r.status() == 404, target + " -> " + r.status());
        assertTrue(!r.text().contains("SECRET") && !r.text().contains("GIT") && !r.text().contains("ENV"), target);
    }

    @Test
    void dotSegmentsRawAndEncodedCannotClimbOut() {
        assertEquals(400, get("/../secret.txt").status());
        assertEquals(400, get("/sub/../../secret.txt").status());
        assertEquals(400, get("/%2e%2e/secret.txt").status());
        assertEquals(400, get("/%2E%2E/secret.txt").status());
        assertEquals(400, get("/..%2fsecret.txt").status());
        assertEquals(400, get("/sub/..%2f..%2fsecret.txt").status());
        assertEquals(400, get("/files/../../secret.txt").status());
        assertEquals(400, get("/files/%2e%2e/%2e%2e/secret.txt").status());
        // Dot segments inside the root resolve as nginx does.
        assertEquals("ok", get("/sub/../ok.txt").text());
    }

    @Test
    void encodedSlashesBackslashesNulAndOverlongUtf8AreRefused() {
        assertEquals(400, get("/sub%2Finner.txt").status());
        assertEquals(400, get("/sub%2finner.txt").status());
        assertEquals(400, get("/sub\\inner.txt").status());
        assertEquals(400, get("/..%5csecret.txt").status());
        assertEquals(400, get("/ok.txt%00.png").status());
        assertEquals(400, get("/%c0%ae%c0%ae/secret.txt").status());
        assertEquals(400, get("/%c0%af").status());
        assertEquals(400, get("/%e0%80%ae%e0%80%ae/secret.txt").status());
        assertEquals(400, get("/bad%zz").status());
    }

    @Test
    void aliasMapsThePrefix() {
        assertEquals("inner", get("/files/inner.txt").text());
    }

    @Test
    void symlinksLeavingTheRootAreRefusedByDefault() {
        assertRefused("/out.txt");
        assertRefused("/outdir/secret.txt");
        assertEquals("ok", get("/in.txt").text());
    }

    @Test
    void symlinkPolicyOnRefusesEveryLinkAndOffFollowsAll() {
        proxy.close();
        proxy = start("disable_symlinks = \"on\"\n");
        assertEquals(404, get("/in.txt").status());
        assertEquals(404, get("/out.txt").status());
        assertEquals("ok", get("/ok.txt").text());
        proxy.close();
        proxy = start("disable_symlinks = \"off\"\n");
        assertEquals("SECRET", get("/out.txt").text());
    }

    @Test
    void symlinkPolicyIfNotOwnerFollowsLinksOfTheSameOwner() {
        proxy.close();
        proxy = start("disable_symlinks = \"if_not_owner\"\n");
        // Test files all belong to one user: the link and its target have the same owner.
        assertEquals("ok", get("/in.txt").text());
    }

    @Test
    void hiddenFilesAreRefusedUnlessAllowed() {
        assertEquals(404, get("/.git/config").status());
        assertEquals(404, get("/.env").status());
        assertEquals(404, get("/%2egit/config").status());
        assertEquals(404, get("/sub/../.env").status());
        proxy.close();
        proxy = start("allow_hidden = true\n");
        assertEquals("ENV", get("/.env").text());
    }
}
