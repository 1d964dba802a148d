package dev.gatehouse.proxy;

import dev.gatehouse.conf.ConfigException;
import dev.gatehouse.conf.process.IgnoredSignals;
import dev.gatehouse.conf.process.SelfUpgrade;
import dev.gatehouse.conf.proxy.ProxyConfig;
import dev.gatehouse.proxy.upgrade.HandoverClient;
import dev.gatehouse.proxy.upgrade.HandoverServer;
import dev.gatehouse.proxy.upstream.UpstreamHandler;
import dev.gatehouse.systemd.PassedSockets;
import dev.gatehouse.systemd.ServiceNotifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * {@code gatehouse proxy}: the HTTP edge. Flags override the configuration file; every key of
 * {@code gatehouse-proxy.toml} can also be set with {@code --set key=value}.
 */
@Command(name = "proxy", mixinStandardHelpOptions = true,
        description = "Runs the Gatehouse HTTP edge proxy: static files, locations, limits, access log.",
        footer = {"", "Signals: TERM graceful stop, HUP reload configuration, USR1 reopen the access log."})
public final class ProxyMain implements Callable<Integer> {

    /** Exit code for a configuration the proxy cannot run with. */
    public static final int EXIT_CONFIG = 2;
    /** Exit code when the listening sockets cannot be bound. */
    public static final int EXIT_BIND = 3;

    private static final Logger log = LoggerFactory.getLogger(ProxyMain.class);

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "The configuration file (gatehouse-proxy.toml).")
    Path config;

    @Option(names = "--listen", paramLabel = "ADDRESSES", description = "host:port, [v6]:port, *:port or unix:/path; comma-separated.")
    String listen;

    @Option(names = "--root", paramLabel = "DIR", description = "Serve files from DIR at / (with --upstream: files first, then the app).")
    Path root;

    @Option(names = "--upstream", paramLabel = "ADDRESS", description = "Forward requests to this uwsgi server (unix:/path or host:port).")
    String upstream;

    @Option(names = "--upgrade-from", paramLabel = "PIDFILE", description = "Take the listening sockets of the"
            + " running proxy this pidfile names, serve on them, then let that proxy drain: an upgrade without a"
            + " dropped connection.")
    Path upgradeFrom;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Any configuration key, e.g. --set keepalive_timeout=30s.")
    Map<String, String> set = new LinkedHashMap<>();

    /** The forwarding implementation; none until the upstream module registers one. */
    private final UpstreamHandler.Factory upstreams;

    /** Queued, with the successor's pid, when a new proxy has taken the listening sockets. */
    private static final String DRAIN = "DRAIN:";
    /** Queued, with its pid and exit code, when a successor this proxy started (USR2) has exited. */
    private static final String SUCCESSOR_EXITED = "SUCCESSOR_EXITED:";

    /** Removes the pidfile unless a successor has written its own pid there. */
    private static void removePidfileIfOurs(Path pidfile) {
        if (pidfile == null) {
            return;
        }
        try {
            if (Files.readString(pidfile).trim().equals(Long.toString(ProcessHandle.current().pid()))) {
                Files.delete(pidfile);
            }
        } catch (IOException e) {
            // gone already, or unreadable: nothing of ours to remove
        }
    }

    /** The signals the proxy acts on. */
    private static final List<String> SIGNALS = List.of("TERM", "INT", "HUP", "USR1");

    private static final String LEAK_DETECTION_PROPERTY = "io.netty.leakDetection.level";

    ProxyMain(UpstreamHandler.Factory upstreams) {
        this.upstreams = upstreams;
    }

    /** Runs the proxy and exits with its exit code. */
    public static void main(String[] args) {
        System.exit(commandLine(dev.gatehouse.proxy.upstream.UwsgiForwarder.FACTORY).execute(args));
    }

    /**
     * The picocli command, for embedding under the {@code gatehouse} launcher.
     *
     * @param upstreams the forwarding implementation, or null for none
     */
    public static CommandLine commandLine(UpstreamHandler.Factory upstreams) {
        return new CommandLine(new ProxyMain(upstreams));
    }

    /** The overrides the flags make, given how many locations the file already has. */
    Map<String, String> overrides(int fileLocations) {
        Map<String, String> o = new LinkedHashMap<>();
        if (listen != null) {
            // First, so that --set listen[1].tls=true and the like apply to the list it makes.
            o.put("listen", listen);
        }
        o.putAll(set);
        if (upstream != null) {
            o.put("upstream.default.servers", upstream);
        }
        if (root != null || upstream != null) {
            String at = "location[" + fileLocations + "].";
            o.put(at + "path", "/");
            if (root != null) {
                o.put(at + "root", root.toAbsolutePath().normalize().toString());
            }
            if (upstream != null) {
                o.put(at + "upstream", "default");
                if (root != null) {
                    o.put(at + "try_files", "true");
                }
            }
        }
        return o;
    }

    ProxyConfig load() {
        int fileLocations = config == null ? 0 : ProxyConfig.load(config, Map.of()).locations().size();
        return ProxyConfig.load(config, overrides(fileLocations));
    }

    private String describeListen() {
        return listen == null || listen.isEmpty() ? "the configured listen addresses" : listen;
    }

    @Override
    public Integer call() throws Exception {
        if (System.getProperty(LEAK_DETECTION_PROPERTY) == null) {
            // Netty's default samples one buffer in 128 and records a stack trace for it: about
            // 3% of the CPU of a TLS or HTTP/2 static load, spent looking for bugs the tests
            // (run with paranoid detection) are there to find. -Dio.netty.leakDetection.level=simple
            // turns it back on.
            io.netty.util.ResourceLeakDetector.setLevel(io.netty.util.ResourceLeakDetector.Level.DISABLED);
        }
        // Signal handlers only enqueue; this thread does the work, one signal at a time. They are
        // installed before the sockets are bound: a HUP or TERM sent as soon as the port answers
        // must wait in the queue, not meet the JVM's default action (exit 129/143) or nothing.
        BlockingQueue<String> signals = new LinkedBlockingQueue<>();
        for (String name : SIGNALS) {
            Signal.handle(new Signal(name), s -> signals.add(name));
        }
        if (SelfUpgrade.usr2IsFree()) {
            Signal.handle(new Signal("USR2"), s -> signals.add("USR2"));
        }
        String ignored = IgnoredSignals.warning(List.of("HUP", "INT", "TERM"), List.of("reload", "quick stop", "stop"));
        if (ignored != null) {
            log.warn("{}", ignored);
        }
        ProxyConfig cfg;
        ProxyServer server;
        HandoverClient predecessor = null;
        PassedSockets passed = PassedSockets.fromEnvironment();
        try {
            cfg = load();
            if (upgradeFrom != null) {
                predecessor = HandoverClient.of(upgradeFrom);
                passed = PassedSockets.of(predecessor.takeListeners(), "proxy " + predecessor.oldPid());
            }
            server = ProxyServer.start(cfg, upstreams, passed);
        } catch (ConfigException e) {
            log.error("{}", e.getMessage());
            return EXIT_CONFIG;
        } catch (Exception e) {
            // Netty's sync() rethrows a failed bind's native IOException ("Address already in
            // use") without declaring it, so it is caught here by type.
            if (e instanceof IOException || e.getCause() instanceof IOException
                    || e instanceof io.netty.channel.ChannelException) {
                log.error("cannot listen on {}: {}", describeListen(), e.getMessage());
                return EXIT_BIND;
            }
            throw e;
        }
        // Upgrading without a pidfile of its own: take over the old one's, so that the next
        // upgrade finds this process.
        Path pidfile = cfg.pidfile().orElse(upgradeFrom);
        if (pidfile != null) {
            try {
                Files.writeString(pidfile, ProcessHandle.current().pid() + "\n");
            } catch (IOException e) {
                log.warn("cannot write pidfile {}: {}", pidfile, e.getMessage());
            }
        }
        log.info("gatehouse proxy ready on {}", server.addresses());
        HandoverServer handover = null;
        if (pidfile != null) {
            try {
                handover = HandoverServer.start(pidfile, server::listenerFds, pid -> signals.add(DRAIN + pid));
            } catch (IOException e) {
                log.warn("upgrade: cannot offer the listening sockets for a later upgrade: {}", e.getMessage());
            }
        }
        if (predecessor != null) {
            try {
                predecessor.letTheOldOneDrain();
                log.info("upgrade: serving on the sockets of proxy {}, which now stops accepting and drains",
                        predecessor.oldPid());
            } catch (IOException e) {
                log.warn("upgrade: proxy {} did not take the drain command ({}); it may have stopped already",
                        predecessor.oldPid(), e.getMessage());
            }
        }
        ServiceNotifier systemd = ServiceNotifier.fromEnvironment();
        systemd.ready("serving on " + server.addresses());
        server.feedWatchdog(systemd);
        Process successor = null;
        while (true) {
            String s = signals.take();
            if (s.startsWith(SUCCESSOR_EXITED)) {
                // A successor that took over would have sent DRAIN first, and this loop returned.
                String[] pidAndCode = s.substring(SUCCESSOR_EXITED.length()).split(" ");
                log.error("upgrade: the new proxy (pid {}) exited with code {} before it took over; still serving",
                        pidAndCode[0], pidAndCode[1]);
                successor = null;
                continue;
            }
            if (s.equals("USR2")) {
                if (pidfile == null || handover == null) {
                    log.error("USR2: an upgrade needs a pidfile (the new proxy finds this one by it); not upgrading");
                } else if (successor != null) {
                    log.warn("USR2: an upgrade is already under way (new proxy pid {}); ignored", successor.pid());
                } else {
                    try {
                        Process p = SelfUpgrade.startSuccessor(pidfile);
                        successor = p;
                        p.onExit().thenAccept(e -> signals.add(SUCCESSOR_EXITED + e.pid() + " " + e.exitValue()));
                        log.info("USR2: upgrading, new proxy pid {} starting; this one serves until it takes the"
                                + " listening sockets", p.pid());
                    } catch (IOException e) {
                        log.error("USR2: cannot start the new proxy: {}", e.getMessage());
                    }
                }
                continue;
            }
            if (s.startsWith(DRAIN)) {
                long next = Long.parseLong(s.substring(DRAIN.length()));
                log.info("upgrade: proxy {} serves on the listening sockets now; stopping accepting, in-flight requests"
                        + " have {}", next, cfg.shutdownTimeout());
                // The successor is the service's main process from now on.
                systemd.mainPid(next);
                handover.close();
                server.stop(cfg.shutdownTimeout());
                log.info("upgrade: drained; exiting");
                return 0;
            }
            switch (s) {
                case "HUP" -> {
                    systemd.reloading();
                    try {
                        ProxyConfig next = load();
                        server.reload(next);
                        cfg = next;
                    } catch (ConfigException e) {
                        log.error("reload refused, keeping the running configuration: {}", e.getMessage());
                    }
                    // READY=1 either way: the proxy serves, on the new configuration or the old one.
                    systemd.ready("serving on " + server.addresses());
                }
                case "USR1" -> server.reopenLogs();
                default -> {
                    log.info("{}: stopping, in-flight requests have {}", s, cfg.shutdownTimeout());
                    systemd.stopping();
                    server.stop("INT".equals(s) ? java.time.Duration.ZERO : cfg.shutdownTimeout());
                    if (handover != null) {
                        handover.close();
                    }
                    removePidfileIfOurs(pidfile);
                    return 0;
                }
            }
        }
    }
}
