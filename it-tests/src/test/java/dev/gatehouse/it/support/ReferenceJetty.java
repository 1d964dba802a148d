package dev.gatehouse.it.support;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
public final class ReferenceJetty extends LoopbackServer {

    private ReferenceJetty(Launch launch, int port) {
        super(launch, port);
    }

    /** Starts Jetty with {@code war} at {@code /} on a free loopback port and waits until it accepts. */
    public static ReferenceJetty start(Path war) {
        return Launch.in("ref-jetty", launch -> {
            int port = FreePort.pick();
            List<String> command = ServerJvm.command(List.of("-Xmx256m", "-XX:+UseSerialGC"),
                    System.getProperty("java.class.path"), ReferenceJetty.class.getName());
            command.addAll(List.of(Integer.toString(port), war.toString(), launch.resolve("tmp").toString()));
            ManagedProcess process = launch.start("reference Jetty 127.0.0.1:" + port, command, "jetty.log",
                    ManagedProcess.StopPolicy.term(Duration.ofSeconds(10)));
            process.awaitConnectable(loopback(port), Duration.ofSeconds(120));
            return new ReferenceJetty(launch, port);
        });
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
}
