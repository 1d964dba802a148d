package dev.gatehouse.appserver.worker;

import dev.gatehouse.appserver.api.Application;
import dev.gatehouse.appserver.api.WorkerContext;
import dev.gatehouse.appserver.control.ControlProtocol;
import dev.gatehouse.appserver.control.Heartbeat;
import dev.gatehouse.conf.app.Dispatch;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.DomainSocketReadMode;
import io.netty.channel.unix.FileDescriptor;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.StringDecoder;
import io.netty.handler.codec.string.StringEncoder;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker process, started by the master: loads the app, takes the listening socket from the
 * master over the control socket, serves, sends heartbeats, and stops when told to or when the
 * master goes away. Not meant to be started by hand.
 */
public final class WorkerMain {

    private static final Logger log = LoggerFactory.getLogger(WorkerMain.class);

    private final Path control;
    private final int workerId;
    private final boolean train;
    private final int generation;
    private final String app;
    private final String jwsgi;
    private final Path war;
    private final List<Path> classpath = new ArrayList<>();
    private final String dispatch;
    private final int maxConcurrency;
    private final int maxVarsSize;
    private final long readTimeoutMs;
    private final boolean keepAlive;
    private final long gracefulTimeoutMs;
    private final String listenKind;
    private final String reusePortBind;
    private final int backlog;
    /** The fronts a TCP worker admits; null: anyone who reaches the socket. */
    private final PeerFilter allow;
    private final Path logFile;
    private final String logLevel;
    private final Map<String, String> settings = new LinkedHashMap<>();

    /**
     * Reads the master's command line: {@code --key=value} options and the {@code --train} flag.
     * Not picocli: the worker is started by the master only, and a command-line library's
     * reflection cost about 100 ms of every worker's start-up.
     */
    WorkerMain(String[] args) {
        Map<String, String> o = new LinkedHashMap<>();
        for (String arg : args) {
            if (arg.equals("--train")) {
                o.put("train", "true");
                continue;
            }
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 0) {
                throw new IllegalArgumentException("worker option must be --key=value, was \"" + arg + "\"");
            }
            String key = arg.substring(2, eq);
            String value = arg.substring(eq + 1);
            if (key.equals("setting")) {
                int kv = value.indexOf('=');
                settings.put(value.substring(0, Math.max(kv, 0)), value.substring(kv + 1));
            } else {
                o.put(key, value);
            }
        }
        control = o.containsKey("control") ? Path.of(o.remove("control")) : null;
        workerId = Integer.parseInt(o.getOrDefault("worker-id", "0"));
        o.remove("worker-id");
        train = Boolean.parseBoolean(o.remove("train"));
        generation = Integer.parseInt(take(o, "generation", "1"));
        app = o.remove("app");
        jwsgi = o.remove("jwsgi");
        String w = o.remove("war");
        war = w == null ? null : Path.of(w);
        String cp = o.remove("classpath");
        if (cp != null && !cp.isEmpty()) {
            for (String entry : cp.split(":")) {
                classpath.add(Path.of(entry));
            }
        }
        dispatch = take(o, "dispatch", "virtual-thread");
        maxConcurrency = Integer.parseInt(take(o, "max-concurrency", "0"));
        maxVarsSize = Integer.parseInt(take(o, "max-vars-size", "65536"));
        readTimeoutMs = Long.parseLong(take(o, "read-timeout-ms", "60000"));
        keepAlive = Boolean.parseBoolean(take(o, "keepalive", "true"));
        gracefulTimeoutMs = Long.parseLong(take(o, "graceful-timeout-ms", "30000"));
        listenKind = take(o, "listen-kind", "unix");
        reusePortBind = o.remove("reuse-port-bind");
        backlog = Integer.parseInt(take(o, "backlog", "2048"));
        allow = PeerFilter.parse(o.remove("allow"));
        String lf = o.remove("log-file");
        logFile = lf == null ? null : Path.of(lf);
        logLevel = take(o, "log-level", "info");
        if (!o.isEmpty()) {
            throw new IllegalArgumentException("unknown worker option(s): " + o.keySet());
        }
    }

    private static String take(Map<String, String> o, String key, String dflt) {
        String v = o.remove(key);
        return v == null ? dflt : v;
    }

    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile long stopGraceMillis = -1;

    /** Runs a worker; exits with 0 after a stop, or a {@link ControlProtocol} exit code. */
    public static void main(String[] args) {
        int code;
        try {
            code = new WorkerMain(args).call();
        } catch (IllegalArgumentException e) {
            log.error("worker: bad command line from the master: {}", e.getMessage());
            code = 2;
        } catch (Exception e) {
            log.error("worker: failed: {}", e.toString(), e);
            code = 1;
        }
        System.exit(code);
    }

    int call() throws Exception {
        LogFiles.configure(logFile, logLevel);
        quietLeakDetector();
        long pid = ProcessHandle.current().pid();
        Application application;
        try {
            application = war != null ? AppLoader.loadWebApp(classpath) : AppLoader.load(classpath, app, jwsgi);
            application.start(new WorkerContext(workerId, pid, settings));
        } catch (AppLoader.AppLoadException e) {
            log.error("worker {} (pid {}): {}", workerId, pid, e.getMessage());
            return ControlProtocol.EXIT_APP_LOAD_FAILED;
        } catch (Exception | LinkageError e) {
            log.error("worker {} (pid {}): the application's start() failed: {}", workerId, pid, e.toString(), e);
            return ControlProtocol.EXIT_APP_LOAD_FAILED;
        }

        if (train) {
            return TrainingRun.run(application);
        }
        if (control == null) {
            log.error("worker {}: --control is required; workers are started by the master (gatehouse app-server)", workerId);
            return ControlProtocol.EXIT_NO_MASTER;
        }
        EventLoopGroup controlGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("gatehouse-control"),
                EpollIoHandler.newFactory());
        try {
            CompletableFuture<Integer> fd = new CompletableFuture<>();
            Channel ctl;
            try {
                ctl = connect(controlGroup, fd);
                ctl.writeAndFlush(ControlProtocol.hello(workerId, pid, generation) + "\n").sync();
            } catch (Exception e) {
                log.error("worker {} (pid {}): cannot reach the master at {}: {}", workerId, pid, control, e.toString());
                return ControlProtocol.EXIT_NO_MASTER;
            }
            WorkerOptions options = new WorkerOptions(workerId, dispatchOf(dispatch), maxConcurrency, maxVarsSize,
                    Duration.ofMillis(readTimeoutMs), keepAlive);
            WorkerServer server;
            if (reusePortBind != null) {
                server = WorkerServer.bindReusePort(options, application, parseInet(reusePortBind), backlog);
            } else {
                int listenFd;
                try {
                    listenFd = fd.get(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    log.error("worker {} (pid {}): the master sent no listening socket: {}", workerId, pid, e.toString());
                    return ControlProtocol.EXIT_NO_MASTER;
                }
                server = WorkerServer.adopt(options, application, listenFd, listenKind.equals("tcp"));
            }
            if (allow != null) {
                server.allowOnly(allow.ranges());
            }
            ctl.config().setOption(EpollChannelOption.DOMAIN_SOCKET_READ_MODE, DomainSocketReadMode.BYTES);
            ctl.writeAndFlush(ControlProtocol.READY + "\n");
            ctl.eventLoop().scheduleAtFixedRate(() -> ctl.writeAndFlush(heartbeat(server.stats()).toLine() + "\n"),
                    0, 1, TimeUnit.SECONDS);
            log.info("worker {} (pid {}, generation {}) ready, running {}", workerId, pid, generation,
                    war != null ? "web app " + war : jwsgi != null ? "JWSGI " + jwsgi : app);
            ctl.closeFuture().addListener(f -> {
                if (stopGraceMillis < 0) {
                    log.warn("worker {} (pid {}): the master went away; stopping", workerId, pid);
                    stopGraceMillis = gracefulTimeoutMs;
                }
                stopped.countDown();
            });
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                if (stopped.getCount() > 0) {
                    // SIGTERM: the master's quick stop, or an operator. Short grace.
                    server.shutdown(Duration.ofSeconds(1));
                }
            }, "gatehouse-sigterm"));
            stopped.await();
            server.shutdown(Duration.ofMillis(stopGraceMillis));
            log.info("worker {} (pid {}) stopped after {} requests", workerId, pid, server.stats().requests());
            return 0;
        } finally {
            controlGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /**
     * Netty's leak detector (SIMPLE by default) tracks one buffer in 128 and records a stack trace
     * for each: 2% of a worker's CPU behind nginx, measured. Off in workers unless asked for with
     * {@code -Dio.netty.leakDetection.level} in {@code jvm_options}; the tests run it at PARANOID.
     */
    private static void quietLeakDetector() {
        if (System.getProperty("io.netty.leakDetection.level") == null
                && System.getProperty("io.netty.leakDetectionLevel") == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
    }

    private Channel connect(EventLoopGroup group, CompletableFuture<Integer> fd) throws InterruptedException {
        return new Bootstrap().group(group).channel(EpollDomainSocketChannel.class)
                .option(EpollChannelOption.DOMAIN_SOCKET_READ_MODE, DomainSocketReadMode.FILE_DESCRIPTORS)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new SimpleChannelInboundHandler<FileDescriptor>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, FileDescriptor received) {
                                fd.complete(received.intValue());
                            }
                        });
                        ch.pipeline().addLast(new LineBasedFrameDecoder(ControlProtocol.MAX_LINE));
                        ch.pipeline().addLast(new StringDecoder(StandardCharsets.UTF_8));
                        ch.pipeline().addLast(new StringEncoder(StandardCharsets.UTF_8));
                        ch.pipeline().addLast(new SimpleChannelInboundHandler<String>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, String line) {
                                onCommand(line);
                            }
                        });
                    }
                })
                .connect(new DomainSocketAddress(control.toString())).sync().channel();
    }

    private void onCommand(String line) {
        if (line.startsWith("stop ")) {
            stopGraceMillis = Long.parseLong(line.substring(5).trim());
            log.info("worker {}: stopping gracefully within {} ms, as the master asked", workerId, stopGraceMillis);
            stopped.countDown();
        } else if (line.equals(ControlProtocol.REOPEN_LOGS)) {
            LogFiles.reopen();
        } else {
            log.warn("worker {}: unknown control command from the master: {}", workerId, line);
        }
    }

    private static Heartbeat heartbeat(WorkerStats s) {
        WorkerStats.Running oldest = s.oldest();
        return new Heartbeat(s.requests(), s.inFlight(), s.exceptions(), s.rejected(), s.connections(),
                oldest == null ? 0 : oldest.startMillis(), s.openWebSockets(),
                s.totalResponseMicros(), s.responseTimes(), oldest == null ? "" : oldest.requestLine());
    }

    private static Dispatch dispatchOf(String token) {
        for (Dispatch d : Dispatch.values()) {
            if (d.token().equals(token)) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown dispatch " + token);
    }

    private static InetSocketAddress parseInet(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new InetSocketAddress(host, Integer.parseInt(hostPort.substring(colon + 1)));
    }
}
