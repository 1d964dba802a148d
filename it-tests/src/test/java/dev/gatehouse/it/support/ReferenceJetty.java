package dev.gatehouse.it.support;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee11.webapp.WebAppContext;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * The reference container of the differential tests: a stock Jetty 12.1 ee11 serving a WAR over
 * plain HTTP/1.1, in a JVM of its own, configured as Gatehouse configures its embedded Jetty
 * (no Server header) and otherwise left at Jetty's defaults.
 */
public final class ReferenceJetty implements AutoCloseable {

    private final ManagedProcess process;
    private final ScratchDir dir;
    private final int port;

    private ReferenceJetty(ManagedProcess process, ScratchDir dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    /** Starts Jetty with {@code war} at {@code /} on a free loopback port and waits until it accepts. */
    public static ReferenceJetty start(Path war) {
        ScratchDir dir = ScratchDir.create("ref-jetty");
        int port = FreePort.pick();
        List<String> command = ServerJvm.command(List.of("-Xmx256m", "-XX:+UseSerialGC"),
                System.getProperty("java.class.path"), ReferenceJetty.class.getName());
        command.addAll(List.of(Integer.toString(port), war.toString(), dir.resolve("tmp").toString()));
        ManagedProcess process = ManagedProcess.start("reference Jetty :" + port, command, dir.path(),
                dir.resolve("jetty.log"), List.of(), Map.of(),
                new ManagedProcess.StopPolicy("TERM", Duration.ofSeconds(10), Duration.ZERO));
        try {
            process.awaitConnectable(new InetSocketAddress("127.0.0.1", port), Duration.ofSeconds(120));
        } catch (RuntimeException e) {
            process.close();
            dir.close();
            throw e;
        }
        return new ReferenceJetty(process, dir, port);
    }

    /** @return the HTTP port on 127.0.0.1 */
    public int port() {
        return port;
    }

    /** @return the log tail, for failure messages */
    public String diagnostics() {
        return process.diagnostics();
    }

    @Override
    public void close() {
        try {
            process.close();
        } finally {
            dir.close();
        }
    }

    /**
     * The reference server's JVM: {@code port war tempDir}.
     *
     * @param args the port, the WAR, a temp directory
     */
    public static void main(String[] args) throws Exception {
        Server server = new Server();
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(Integer.parseInt(args[0]));
        server.addConnector(connector);
        java.nio.file.Files.createDirectories(Path.of(args[2]));
        server.setTempDirectory(args[2]);
        WebAppContext webapp = new WebAppContext();
        webapp.setWar(args[1]);
        webapp.setContextPath("/");
        webapp.setThrowUnavailableOnStartupException(true);
        server.setHandler(webapp);
        server.setStopAtShutdown(true);
        server.start();
        server.join();
    }

    @Override
    public String toString() {
        return "reference Jetty 127.0.0.1:" + port;
    }
}
