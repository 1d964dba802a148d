package dev.gatehouse.it.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The fixture base ({@link ManagedServer}, its {@link ManagedServer.Launch} and
 * {@link ServerBuilder}) with a shell as the server: what a start leaves behind when it fails,
 * and what a builder's files and options become.
 */
class ManagedServerTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static final ManagedProcess.StopPolicy TERM = ManagedProcess.StopPolicy.term(Duration.ofSeconds(5));

    /** Prints its arguments and the first one's content, then sleeps until stopped. */
    private static final List<String> SHELL = List.of("sh", "-c",
            "echo \"args: $*\"; cat \"$1\"; echo; echo ready; exec sleep 60", "sh");

    /** The smallest fixture: the shell above, ready once it says so. */
    private static final class Shell extends ManagedServer {
        private Shell(Launch launch) {
            super(launch);
        }
    }

    private static final class ShellBuilder extends ServerBuilder<ShellBuilder> {
        private ShellBuilder() {
            super(WAIT);
        }

        Shell start() {
            return launch("shell", launch -> {
                List<String> command = new ArrayList<>(SHELL);
                command.addAll(args(launch));
                launch.start("shell", command, "shell.log", TERM)
                        .awaitLog("the ready line", text -> text.contains("ready\n"), startTimeout());
                return new Shell(launch);
            });
        }
    }

    @Test
    void builderWritesItsFilesBeforeStartAndReplacesDirInItsOptions() {
        Path dir;
        try (Shell shell = new ShellBuilder().file("conf/hello.txt", "hello from the file")
                .args("@DIR@/conf/hello.txt").start()) {
            dir = shell.dir();
            assertTrue(shell.log().contains("args: " + dir + "/conf/hello.txt\n"), shell::diagnostics);
            assertTrue(shell.log().contains("hello from the file\n"), shell::diagnostics);
            assertTrue(shell.diagnostics().startsWith("shell\n--- last 40 lines of " + dir + "/shell.log ---\n"),
                    shell::diagnostics);
            assertEquals("shell (pid " + shell.pid() + ")", shell.toString());
        }
        assertFalse(Files.exists(dir), dir + " left behind by close");
    }

    @Test
    void closeStopsTheProcessAndDeletesTheDirectory() {
        Shell shell = new ShellBuilder().file("x", "x").args("@DIR@/x").start();
        ProcessHandle handle = shell.handle();
        Path dir = shell.dir();
        shell.close();
        assertFalse(handle.isAlive(), "shell still running after close");
        assertFalse(Files.exists(dir), dir + " left behind by close");
    }

    @Test
    void failedStepStopsTheStartedProcessAndDeletesTheDirectory() {
        AtomicReference<ManagedProcess> started = new AtomicReference<>();
        AtomicReference<Path> dir = new AtomicReference<>();
        IllegalStateException failure = new IllegalStateException("not ready");
        IllegalStateException thrown = assertThrows(IllegalStateException.class,
                () -> ManagedServer.Launch.in("failing", launch -> {
                    dir.set(launch.dir());
                    started.set(launch.start("sleeper", List.of("sleep", "60"), "sleep.log", TERM));
                    throw failure;
                }));
        assertSame(failure, thrown);
        assertFalse(started.get().isAlive(), "sleep still running after the failed launch");
        assertFalse(Files.exists(dir.get()), dir.get() + " left behind by the failed launch");
    }

    @Test
    void stepThatCannotWriteAFileFailsNamingTheDirectory() {
        AtomicReference<Path> dir = new AtomicReference<>();
        UncheckedIOException thrown = assertThrows(UncheckedIOException.class,
                () -> ManagedServer.Launch.in("unwritable", launch -> {
                    dir.set(launch.dir());
                    throw new IOException("disk full");
                }));
        assertEquals("cannot start unwritable in " + dir.get(), thrown.getMessage());
        assertFalse(Files.exists(dir.get()), dir.get() + " left behind by the failed launch");
    }

    @Test
    void launchStartsOneProcessAndAServerNeedsIt() {
        IllegalStateException twice = assertThrows(IllegalStateException.class,
                () -> ManagedServer.Launch.in("twice", launch -> {
                    launch.start("first", List.of("sleep", "60"), "first.log", TERM);
                    return launch.start("second", List.of("sleep", "60"), "second.log", TERM);
                }));
        assertTrue(twice.getMessage().contains("cannot also start second"), twice.getMessage());
        IllegalStateException none = assertThrows(IllegalStateException.class,
                () -> ManagedServer.Launch.in("none", Shell::new));
        assertTrue(none.getMessage().contains("has started no process"), none.getMessage());
    }

    @Test
    void expandReplacesDirInEveryPart() throws IOException {
        AtomicReference<Path> dir = new AtomicReference<>();
        List<String> expanded = ManagedServer.Launch.in("expand", launch -> {
            dir.set(launch.dir());
            return launch.expand(List.of("--x", "@DIR@/a:@DIR@/b"));
        });
        // A launch that succeeds leaves its directory to the server it made; this one made none.
        Files.delete(dir.get());
        assertEquals(List.of("--x", dir.get() + "/a:" + dir.get() + "/b"), expanded);
    }
}
