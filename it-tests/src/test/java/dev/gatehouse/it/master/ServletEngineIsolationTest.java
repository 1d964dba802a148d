package dev.gatehouse.it.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.it.support.ExampleWar;
import dev.gatehouse.it.support.GatehouseAppServer;
import dev.gatehouse.it.support.UwsgiPacketClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The servlet engine is in lib/ (here: on the server's class path) for every worker, but only a
 * worker that runs a war loads it: the JVM's own class-load log of a native-API worker and of a
 * JWSGI worker that served a request names no Jetty or servlet class, and a war worker's does.
 */
class ServletEngineIsolationTest {

    @TempDir
    Path tmp;

    private List<String> classesLoadedBy(String what, GatehouseAppServer.Builder builder, String target)
            throws IOException {
        Path logs = Files.createDirectories(tmp.resolve(what));
        // %p: one file per JVM (the master and each worker).
        try (MasterUnderTest master = MasterUnderTest.start(builder.workers(1)
                .args("--set", "jvm_options=-Xmx128m -XX:+UseSerialGC -Xlog:class+load=info:file=" + logs + "/classes-%p.log"))) {
            long worker = master.awaitServing(1).iterator().next();
            byte[] reply = UwsgiPacketClient.exchange(master.server().socketPath(), 0, UwsgiPacketClient.getVars(target),
                    new byte[0], Duration.ofSeconds(30));
            assertTrue(new String(reply, StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 200 "),
                    () -> new String(reply, StandardCharsets.ISO_8859_1) + "\n" + master.diagnostics());
            Path log = logs.resolve("classes-" + worker + ".log");
            assertTrue(Files.exists(log), () -> "no class-load log of worker " + worker + " in " + logs);
            try (Stream<String> lines = Files.lines(log)) {
                return lines.toList();
            }
        }
    }

    private static long engineClasses(List<String> classLoads) {
        return classLoads.stream().filter(l -> l.contains(" org.eclipse.jetty.") || l.contains(" jakarta.servlet.")).count();
    }

    @Test
    void nativeAndJwsgiWorkersLoadNoJettyClassAndAWarWorkerDoes() throws IOException {
        List<String> nativeWorker = classesLoadedBy("native", GatehouseAppServer.builder().app("dev.gatehouse.demo.DemoApp"),
                "/hello");
        assertTrue(nativeWorker.size() > 1000, () -> "class-load log too short: " + nativeWorker.size());
        assertEquals(0, engineClasses(nativeWorker), "a native worker loaded servlet engine classes");

        List<String> jwsgiWorker = classesLoadedBy("jwsgi",
                GatehouseAppServer.builder().jwsgi("dev.gatehouse.demo.jwsgi.JwsgiShapes:application"), "/status-integer");
        assertEquals(0, engineClasses(jwsgiWorker), "a JWSGI worker loaded servlet engine classes");

        Path war = ExampleWar.build(ExampleWar.REPO.resolve("examples/spring-app"), "spring-app.war");
        List<String> warWorker = classesLoadedBy("war", GatehouseAppServer.builder()
                .args("--war", war.toString(), "--set", "session_dir=" + tmp.resolve("sessions")), "/api/greeting");
        assertTrue(engineClasses(warWorker) > 100, () -> "a war worker loaded only " + engineClasses(warWorker)
                + " engine classes");
    }
}
