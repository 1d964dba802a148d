package dev.gatehouse.appserver.master;

import dev.gatehouse.appserver.control.AdminCommands;
import dev.gatehouse.appserver.control.ControlProtocol;
import dev.gatehouse.appserver.control.Heartbeat;
import dev.gatehouse.appserver.worker.LogFiles;
import dev.gatehouse.conf.ConfigException;
import dev.gatehouse.conf.TimeSpan;
import dev.gatehouse.conf.app.AppServerConfig;
import dev.gatehouse.conf.process.IgnoredSignals;
import dev.gatehouse.conf.process.SelfUpgrade;
import dev.gatehouse.systemd.PassedSockets;
import dev.gatehouse.systemd.ServiceNotifier;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * The prefork master (arbiter): binds the listening socket once, starts the workers and hands
 * each the socket, then runs one loop over a queue of events (signals, worker exits, control
 * lines) that also kills silent or stuck workers and keeps the pool at its size. No state is
 * changed anywhere but on this loop's thread, so every behaviour can be read in {@link #run()}.
 */
public final class Master {

    private static final Logger log = LoggerFactory.getLogger(Master.class);

    /** Exit code after a stop on TERM or INT. */
    public static final int EXIT_OK = 0;
    /** Exit code when the configuration or the listening socket could not be set up. */
    public static final int EXIT_CONFIG = 1;
    /** Exit code when the application cannot be loaded: respawning would not help. */
    public static final int EXIT_APP_LOAD_FAILED = ControlProtocol.EXIT_APP_LOAD_FAILED;

    private static final long TICK_MILLIS = 200;
    private static final long MAX_BOOT_BACKOFF_MILLIS = 30_000;
    /** How long a worker may take from spawn to ready (JVM start, app load, app start()). */
    private static final long BOOT_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(120);
    /** Slack after a stopping worker's grace before it is killed: its own shutdown takes a moment. */
    private static final long GRACE_MARGIN_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final Supplier<AppServerConfig> configLoader;
    private final BlockingQueue<MasterEvent> events = new LinkedBlockingQueue<>();
    private final Map<Long, WorkerHandle> workers = new LinkedHashMap<>();
    private final Map<Integer, SlotRecord> slots = new LinkedHashMap<>();
    private final WorkerLauncher launcher = new WorkerLauncher();
    private AppServerConfig config;
    /** The config the sockets were bound with: bind and reuse_port changes need a restart. */
    private AppServerConfig boundAs;
    private int target;
    private int generation = 1;
    private boolean reloading;
    private ListenSocket listen;
    private Path runDir;
    private Path controlPath;
    private EventLoopGroup group;
    private ControlServer control;
    private StatsServer stats;
    private volatile StatsSnapshot snapshot = StatsSnapshot.EMPTY;
    private boolean stopping;
    /** Where this master is in an upgrade, as the old master or as its successor. */
    private Upgrade upgrade = Upgrade.NONE;
    /** The successor's pidfile path: set when this master was started to take over (successor side). */
    private final Path upgradeFrom;
    /** The admin socket of the master this one takes over from (successor side). */
    private Path oldAdminPath;
    /** The successor this master started (old side). */
    private Process successor;

    /** An upgrade, seen from either master. */
    private enum Upgrade {
        /** None under way. */
        NONE,
        /** Old side: a successor was started and has not yet taken the listening socket. */
        SUCCESSOR_STARTED,
        /** Old side: the successor has the socket and starts its workers on it. */
        SOCKET_HANDED_OVER,
        /** Old side: the successor serves; this master stops its workers and exits. */
        RETIRING,
        /** Successor side: serving on the old master's socket, not yet told it to retire. */
        TAKING_OVER
    }
    /** The socket {@code gatehouse ctl} talks to, beside the pidfile; none without a pidfile. */
    private ControlServer admin;
    private Path adminPath;
    /** systemd's notify socket; inert outside systemd. */
    private final ServiceNotifier systemd = ServiceNotifier.fromEnvironment();
    /** Whether READY=1 went out for the first generation. */
    private boolean announcedReady;
    private long nextWatchdogNanos;
    private long stopDeadlineNanos;
    private int exitCode = EXIT_OK;
    private int consecutiveBootFailures;
    private long nextSpawnNanos;
    /** Measures the pool every second and, with workers_max set, sizes it. */
    private PoolControl pool;
    /** What last kept the saturated adaptive pool from growing, so that it is logged once. */
    private PoolSizer.Limit poolLimit = PoolSizer.Limit.NONE;
    /** Why the pool is being made smaller, for the retired workers' log lines. */
    private String shrinkReason = "TTOU: fewer workers";

    /** Per worker slot (id): what survives a respawn, for the stats. */
    static final class SlotRecord {
        int respawns;
        int harakiris;
    }

    /**
     * @param configLoader reads the configuration: at start, and again on HUP
     */
    public Master(Supplier<AppServerConfig> configLoader) {
        this(configLoader, null);
    }

    /**
     * @param configLoader reads the configuration: at start, and again on HUP
     * @param upgradeFrom the pidfile of a running master to take over from (its socket, then its
     *     place), or null to start afresh
     */
    public Master(Supplier<AppServerConfig> configLoader, Path upgradeFrom) {
        this.configLoader = configLoader;
        this.upgradeFrom = upgradeFrom;
    }

    /** Runs the master until it stops; returns the process exit code. */
    public int run() {
        try {
            config = configLoader.get();
        } catch (ConfigException e) {
            log.error("{}", e.getMessage());
            return EXIT_CONFIG;
        }
        target = config.workers();
        boundAs = config;
        pool = new PoolControl(config, System.nanoTime());
        try {
            start();
        } catch (IOException | RuntimeException e) {
            log.error("cannot start the app-server: {}", e.getMessage());
            cleanup();
            return EXIT_CONFIG;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cleanup();
            return EXIT_CONFIG;
        }
        log.info("master (pid {}) listening on {}, starting {} worker(s) of {}", ProcessHandle.current().pid(),
                describeListen(), target, config.servlet().war().map(w -> "web app " + w)
                        .orElseGet(() -> config.jwsgi().map(j -> "JWSGI " + j).orElse(config.app())));
        try {
            loop();
        } finally {
            cleanup();
        }
        log.info("master (pid {}) stopped", ProcessHandle.current().pid());
        return exitCode;
    }

    private void start() throws IOException, InterruptedException {
        // Handlers only enqueue, and go in before anything is bound or spawned: a signal sent
        // while the socket is already answering waits for the loop instead of meeting the JVM's
        // default action (exit without stopping the workers) or nothing.
        for (String name : List.of("HUP", "TERM", "INT", "TTIN", "TTOU", "USR1")) {
            Signal.handle(new Signal(name), s -> events.add(new MasterEvent.SignalReceived(name)));
        }
        if (SelfUpgrade.usr2IsFree()) {
            Signal.handle(new Signal("USR2"), s -> events.add(new MasterEvent.SignalReceived("USR2")));
        }
        String ignored = IgnoredSignals.warning(List.of("HUP", "INT", "TERM"),
                List.of("reload", "quick stop", "graceful stop"));
        if (ignored != null) {
            log.warn("{}", ignored);
        }
        runDir = Files.createTempDirectory("gatehouse-master-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        controlPath = runDir.resolve("control.sock");
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("gatehouse-master-io"), EpollIoHandler.newFactory());
        control = ControlServer.bind(group, controlPath, events::add);
        launcher.useArchive(ClassDataArchive.prepare(config, launcher).orElse(null));
        if (upgradeFrom != null) {
            takeOver();
        } else if (!boundAs.reusePort()) {
            listen = ListenSocket.bindOrAdopt(config, PassedSockets.fromEnvironment());
        }
        if (config.stats().isPresent()) {
            stats = StatsServer.bind(group, config.stats().get(), () -> snapshot);
        }
        if (config.pidfile().isPresent()) {
            if (upgrade != Upgrade.TAKING_OVER) {
                // A successor writes the pidfile only once it serves: ctl goes on reaching the old master until then.
                Files.writeString(config.pidfile().get(), ProcessHandle.current().pid() + "\n");
            }
            adminPath = AdminCommands.socketPath(config.pidfile().get(), ProcessHandle.current().pid());
            Files.deleteIfExists(adminPath);
            admin = ControlServer.bind(group, adminPath, events::add, MasterEvent.AdminCommand::new);
            // Whoever can connect can stop workers and reload: the master's own user only.
            Files.setPosixFilePermissions(adminPath, PosixFilePermissions.fromString("rw-------"));
        }
    }

    private String describeListen() {
        if (listen == null) {
            return boundAs.bind() + " (reuse_port: one socket per worker)";
        }
        try {
            return listen.isUnix() ? boundAs.bind().toString() : boundAs.bind().host() + ":" + listen.port();
        } catch (IOException e) {
            return boundAs.bind().toString();
        }
    }

    private void loop() {
        while (true) {
            try {
                MasterEvent e = events.poll(TICK_MILLIS, TimeUnit.MILLISECONDS);
                while (e != null) {
                    handle(e);
                    e = events.poll();
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                beginStop("interrupted", java.time.Duration.ZERO);
            }
            if (stopping) {
                killPastStopDeadline();
                if (workers.isEmpty()) {
                    return;
                }
            } else {
                murderSilentAndStuck();
                recycleOnRss();
                sizePool();
                manageWorkers();
            }
            publishStats();
            feedWatchdog();
        }
    }

    /** WATCHDOG=1 from the loop itself: a ping proves the master still turns. */
    private void feedWatchdog() {
        if (upgrade == Upgrade.TAKING_OVER || upgrade == Upgrade.RETIRING) {
            // Only the main process may ping: the old master until it hands over, then the new one.
            return;
        }
        systemd.watchdogPingInterval().ifPresent(interval -> {
            long now = System.nanoTime();
            if (now - nextWatchdogNanos >= 0) {
                systemd.watchdog();
                nextWatchdogNanos = now + interval.toNanos();
            }
        });
    }

    private void handle(MasterEvent event) {
        switch (event) {
            case MasterEvent.SignalReceived s -> onSignal(s.name());
            case MasterEvent.WorkerExited x -> onExit(x.worker(), x.exitCode());
            case MasterEvent.ControlLine c -> onControlLine(c.channel(), c.line());
            case MasterEvent.AdminCommand a -> onAdminCommand(a.channel(), a.line());
            case MasterEvent.SuccessorExited x -> onSuccessorExited(x.pid(), x.exitCode());
        }
    }

    private void onSignal(String name) {
        switch (name) {
            case "HUP" -> reload();
            case "TERM" -> beginStop("TERM: graceful stop", config.gracefulTimeout());
            case "INT" -> beginStop("INT: quick stop", java.time.Duration.ofSeconds(1));
            case "TTIN" -> {
                if (pool.clamp(target + 1) > target) {
                    target++;
                    log.info("TTIN: workers {} -> {}", target - 1, target);
                } else {
                    log.info("TTIN ignored: already at workers_max {}", target);
                }
            }
            case "TTOU" -> {
                if (pool.clamp(target - 1) < target) {
                    target--;
                    shrinkReason = "TTOU: fewer workers";
                    log.info("TTOU: workers {} -> {}", target + 1, target);
                } else {
                    log.info("TTOU ignored: already at {} worker(s), the least allowed", target);
                }
            }
            case "USR2" -> log.info("USR2: {}", startSuccessor());
            case "USR1" -> {
                LogFiles.reopen();
                for (WorkerHandle w : workers.values()) {
                    send(w, ControlProtocol.REOPEN_LOGS);
                }
                // The workers reopen theirs when they read the command: each logs its own
                // "reopened log file" line then, which is the event to wait for.
                log.info("USR1: log file reopened, {} worker(s) asked to reopen theirs", workers.size());
            }
            default -> log.warn("ignoring signal {}", name);
        }
    }

    /** HUP: re-read the config, start a whole new generation, retire the old one once it is ready. */
    private void reload() {
        if (stopping) {
            return;
        }
        systemd.reloading();
        AppServerConfig next;
        try {
            next = configLoader.get();
        } catch (ConfigException e) {
            log.error("HUP: reload refused, keeping the running workers: {}", e.getMessage());
            systemd.ready("serving generation " + generation + " (reload refused)");
            return;
        }
        if (!next.bind().equals(boundAs.bind()) || next.reusePort() != boundAs.reusePort()) {
            log.warn("HUP: bind and reuse_port changes need a restart; still listening on {}", describeListen());
        }
        if (!next.classpath().equals(config.classpath()) || !next.jvmOptions().equals(config.jvmOptions())
                || next.cds() != config.cds()) {
            launcher.useArchive(ClassDataArchive.prepare(next, launcher).orElse(null));
        }
        config = next;
        pool.configure(next);
        // An adaptive pool keeps the size it found, within the new bounds; a fixed one takes the new count.
        target = pool.adaptive() ? pool.clamp(target) : next.workers();
        generation++;
        reloading = true;
        log.info("HUP: reloading, starting generation {} with {} worker(s)", generation, target);
    }

    private void beginStop(String why, java.time.Duration grace) {
        if (stopping) {
            // A second INT or TERM while stopping: hurry up.
            if (why.startsWith("INT")) {
                stopDeadlineNanos = Math.min(stopDeadlineNanos, System.nanoTime() + grace.toNanos());
            }
            return;
        }
        stopping = true;
        systemd.stopping();
        log.info("{} of {} worker(s), grace {}", why, workers.size(), TimeSpan.format(grace));
        for (WorkerHandle w : workers.values()) {
            stopWorker(w, why, grace);
        }
        stopDeadlineNanos = System.nanoTime() + grace.toNanos() + TimeUnit.SECONDS.toNanos(2);
    }

    private void killPastStopDeadline() {
        if (System.nanoTime() < stopDeadlineNanos) {
            return;
        }
        for (WorkerHandle w : workers.values()) {
            if (w.process.isAlive()) {
                log.warn("{} still running after the grace period; killing it", w);
                w.process.destroyForcibly();
            }
        }
        stopDeadlineNanos = Long.MAX_VALUE;
    }

    private void onExit(WorkerHandle w, int code) {
        if (workers.remove(w.pid) == null) {
            return;
        }
        String how = code > 128 ? "signal " + (code - 128) : "exit code " + code;
        if (w.state == WorkerHandle.State.STOPPING) {
            log.info("{} exited ({}) after stopping: {}", w, how, w.stopReason);
            return;
        }
        if (stopping) {
            return;
        }
        if (w.state == WorkerHandle.State.STARTING) {
            if (code == ControlProtocol.EXIT_APP_LOAD_FAILED) {
                onAppLoadFailure(w);
                return;
            }
            consecutiveBootFailures++;
            long backoff = Math.min(MAX_BOOT_BACKOFF_MILLIS, 250L << Math.min(consecutiveBootFailures, 10));
            nextSpawnNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoff);
            log.error("{} died while booting ({}); retrying in {} ms", w, how, backoff);
        } else {
            log.error("{} died ({}); replacing it", w, how);
        }
        slot(w.id).respawns++;
        // A replacement that died leaves the worker it was to replace running: stop nothing.
    }

    private void onAppLoadFailure(WorkerHandle w) {
        boolean anyReady = workers.values().stream().anyMatch(o -> o.state == WorkerHandle.State.READY);
        if (reloading && anyReady) {
            log.error("HUP: generation {} cannot load the application (see the worker's log line above); "
                    + "keeping generation {} running", generation, generation - 1);
            for (WorkerHandle o : List.copyOf(workers.values())) {
                if (o.generation == generation) {
                    stopWorker(o, "reload aborted", java.time.Duration.ZERO);
                }
            }
            generation--;
            reloading = false;
            target = (int) workers.values().stream().filter(o -> o.generation == generation && o.isActive()).count();
            systemd.ready("serving generation " + generation + " (reload aborted)");
            return;
        }
        log.error("{} cannot load the application (see its log line above); stopping the app-server", w);
        exitCode = EXIT_APP_LOAD_FAILED;
        beginStop("stop after an application load failure", java.time.Duration.ofSeconds(2));
    }

    /** One {@code gatehouse ctl} command: answered on its connection, which then closes. */
    private void onAdminCommand(Channel ch, String line) {
        String[] words = line.trim().split("\\s+");
        if (words[0].equals("handover") && handOver(ch)) {
            log.info("ctl: handover");
            return; // the answer is the descriptor, already on its way
        }
        String answer = switch (words[0]) {
            case "workers" -> snapshot.toTable();
            case "workers-json" -> snapshot.toJson() + "\n";
            case "config" -> config.toShownToml();
            case "add" -> {
                onSignal("TTIN");
                yield "ok: " + target + " worker(s) wanted\n";
            }
            case "remove" -> {
                onSignal("TTOU");
                yield "ok: " + target + " worker(s) wanted\n";
            }
            case "reload" -> {
                onSignal("HUP");
                yield "ok: reloading, generation " + generation + " starting\n";
            }
            case "stop-worker" -> stopWorkerByCommand(words);
            case "advise" -> advise(words);
            case "upgrade" -> startSuccessor() + "\n";
            case "handover" -> "error: no socket to hand over (reuse_port gives each worker its own), or stopping\n";
            case "retire" -> retire(words);
            default -> "error: unknown command \"" + words[0] + "\"; commands: " + AdminCommands.COMMANDS + "\n";
        };
        log.info("ctl: {}", line.trim());
        ch.writeAndFlush(answer).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
    }

    /** {@code advise [minutes=M] [target-rps=R] [json]}: the sizing advice from the last M minutes. */
    private String advise(String[] words) {
        double minutes = 5;
        java.util.OptionalDouble target = java.util.OptionalDouble.empty();
        boolean asJson = false;
        try {
            for (int i = 1; i < words.length; i++) {
                if (words[i].startsWith("minutes=")) {
                    minutes = Double.parseDouble(words[i].substring("minutes=".length()));
                } else if (words[i].startsWith("target-rps=")) {
                    target = java.util.OptionalDouble.of(Double.parseDouble(words[i].substring("target-rps=".length())));
                } else if (words[i].equals("json")) {
                    asJson = true;
                } else {
                    return "error: advise takes minutes=M, target-rps=R and json, not \"" + words[i] + "\"\n";
                }
            }
        } catch (NumberFormatException e) {
            return "error: advise needs numbers: " + e.getMessage() + "\n";
        }
        if (!(minutes > 0 && minutes <= PoolControl.HISTORY_SECONDS / 60.0)
                || target.isPresent() && !(target.getAsDouble() > 0)) {
            return "error: advise looks at 0 to " + PoolControl.HISTORY_SECONDS / 60 + " minutes, for a positive rate\n";
        }
        SizingAdvice a = pool.advise(Duration.ofMillis((long) (minutes * 60_000)), target);
        return asJson ? a.toJson() : a.toText();
    }

    // ---- upgrade: the old master's side --------------------------------------------------

    /** USR2 or {@code ctl upgrade}: starts a successor with this master's own command line. */
    private String startSuccessor() {
        if (stopping || upgrade != Upgrade.NONE) {
            return "error: " + (stopping ? "stopping" : "an upgrade is already under way (" + upgrade + ")");
        }
        if (config.pidfile().isEmpty() || listen == null) {
            return "error: an upgrade needs a pidfile (the successor finds this master by it) and one shared socket"
                    + " (reuse_port = false)";
        }
        try {
            successor = SelfUpgrade.startSuccessor(config.pidfile().get());
        } catch (IOException e) {
            return "error: cannot start the new master: " + e.getMessage();
        }
        upgrade = Upgrade.SUCCESSOR_STARTED;
        long pid = successor.pid();
        successor.onExit().thenAccept(p -> events.add(new MasterEvent.SuccessorExited(pid, p.exitValue())));
        return "ok: upgrading, new master pid " + pid + " starting; this one (pid " + ProcessHandle.current().pid()
                + ") serves until the new one's workers do";
    }

    /** {@code handover}: the successor takes the listening socket (and the stats address, which only one can bind). */
    private boolean handOver(Channel ch) {
        if (listen == null || stopping) {
            return false;
        }
        if (stats != null) {
            stats.close();
            stats = null;
        }
        ch.writeAndFlush(new FileDescriptor(listen.fd())).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
        if (upgrade == Upgrade.NONE || upgrade == Upgrade.SUCCESSOR_STARTED) {
            upgrade = Upgrade.SOCKET_HANDED_OVER;
        }
        log.info("upgrade: handed the listening socket {} to the new master", describeListen());
        return true;
    }

    /** {@code retire PID}: the successor serves; stop the workers gracefully and leave it the socket and pidfile. */
    private String retire(String[] words) {
        long pid;
        try {
            pid = Long.parseLong(words.length > 1 ? words[1] : "");
        } catch (NumberFormatException e) {
            return "error: retire needs the new master's pid\n";
        }
        if (upgrade != Upgrade.SOCKET_HANDED_OVER) {
            return "error: no socket was handed over; nothing to retire for\n";
        }
        upgrade = Upgrade.RETIRING;
        systemd.mainPid(pid);
        beginStop("upgrade: master pid " + pid + " serves now; stopping this one's workers", config.gracefulTimeout());
        // Whether the successor removes the socket file when it stops one day: not systemd's.
        return "ok: retiring; socket file " + (listen.ownsFile() ? "yours" : "systemd's") + "\n";
    }

    private void onSuccessorExited(long pid, int code) {
        if (upgrade == Upgrade.RETIRING) {
            return; // it serves on; its exit is its own business
        }
        log.error("upgrade: the new master (pid {}) exited with code {} before it took over; still serving", pid, code);
        upgrade = Upgrade.NONE;
        successor = null;
        if (config.stats().isPresent() && stats == null) {
            try {
                stats = StatsServer.bind(group, config.stats().get(), () -> snapshot);
            } catch (Exception e) {
                log.error("upgrade: cannot bind the stats endpoint {} again: {}", config.stats().get(), e.getMessage());
            }
        }
    }

    // ---- upgrade: the successor's side ---------------------------------------------------

    /** Takes the old master's listening socket, before any worker starts. */
    private void takeOver() throws IOException {
        long oldPid = MasterHandover.oldPid(upgradeFrom);
        oldAdminPath = AdminCommands.socketPath(upgradeFrom, oldPid);
        int fd = MasterHandover.takeListenSocket(group, oldAdminPath, Duration.ofSeconds(30));
        listen = ListenSocket.handedOver(fd, config.bind());
        upgrade = Upgrade.TAKING_OVER;
        log.info("upgrade: took the listening socket {} over from master pid {}", config.bind(), oldPid);
    }

    /** Every worker serves: the old master may go. */
    private void tellOldMasterToRetire() {
        try {
            String answer = MasterHandover.retire(oldAdminPath);
            if (!answer.startsWith("ok")) {
                log.error("upgrade: the old master answered \"{}\" to retire; serving alongside it", answer);
            } else if (answer.endsWith("socket file yours")) {
                listen.own();
            }
        } catch (IOException e) {
            log.warn("upgrade: cannot reach the old master at {} ({}); it is gone, serving alone", oldAdminPath,
                    e.getMessage());
            listen.own();
        }
        upgrade = Upgrade.NONE;
        try {
            Files.writeString(config.pidfile().get(), ProcessHandle.current().pid() + "\n");
        } catch (IOException e) {
            log.error("upgrade: cannot write pidfile {}: {}", config.pidfile().get(), e.getMessage());
        }
        log.info("upgrade: master pid {} serves on {} with {} worker(s); the old master retires",
                ProcessHandle.current().pid(), describeListen(), target);
        systemd.ready("serving generation " + generation + " with " + target + " worker(s) after an upgrade");
    }

    private String stopWorkerByCommand(String[] words) {
        int id;
        try {
            id = Integer.parseInt(words.length > 1 ? words[1] : "");
        } catch (NumberFormatException e) {
            return "error: stop-worker needs a worker id (the ID column of ctl workers)\n";
        }
        for (WorkerHandle w : workers.values()) {
            if (w.id == id && w.state == WorkerHandle.State.READY && !isBeingReplaced(w)) {
                recycle(w, "ctl stop-worker");
                return "ok: worker " + id + " (pid " + w.pid + ") stops gracefully once its replacement is ready\n";
            }
        }
        return "error: no serving worker with id " + id + "\n";
    }

    private void onControlLine(Channel ch, String line) {
        if (line.startsWith("hello ")) {
            String[] f = line.split(" ");
            long pid = f.length > 2 ? Long.parseLong(f[2]) : -1;
            WorkerHandle w = workers.get(pid);
            if (w == null) {
                log.warn("control connection from an unknown process (pid {}); closing it", pid);
                ch.close();
                return;
            }
            w.control = ch;
            w.lastSeenNanos = System.nanoTime();
            if (listen != null) {
                ch.writeAndFlush(new FileDescriptor(listen.fd()));
            }
            return;
        }
        WorkerHandle w = byChannel(ch);
        if (w == null) {
            return;
        }
        w.lastSeenNanos = System.nanoTime();
        if (line.equals(ControlProtocol.READY)) {
            onReady(w);
        } else if (line.startsWith("hb ")) {
            try {
                w.heartbeat = Heartbeat.parse(line);
                w.heartbeatNanos = w.lastSeenNanos;
            } catch (IllegalArgumentException e) {
                log.warn("{}: bad heartbeat: {}", w, e.getMessage());
                return;
            }
            if (w.maxRequests > 0 && w.heartbeat.requests() >= w.maxRequests && w.state == WorkerHandle.State.READY
                    && !isBeingReplaced(w)) {
                recycle(w, "max_requests " + w.maxRequests + " reached (" + w.heartbeat.requests() + " requests)");
            }
        }
    }

    private void onReady(WorkerHandle w) {
        if (w.state != WorkerHandle.State.STARTING) {
            return;
        }
        w.state = WorkerHandle.State.READY;
        w.readyAtNanos = System.nanoTime();
        consecutiveBootFailures = 0;
        log.info("{} ready in {} ms (generation {})", w, (w.readyAtNanos - w.spawnedAtNanos) / 1_000_000, w.generation);
        Path archive = launcher.archive();
        if (archive != null && !ProcessMemory.maps(w.pid, archive)) {
            log.warn("cds: {} did not map {} (the JVM rejected it; start a worker with -Xlog:cds to see why)", w, archive);
        }
        if (w.replaces != null && workers.containsKey(w.replaces.pid) && w.replaces.isActive()) {
            stopWorker(w.replaces, w.replaces.stopReason == null ? "replaced" : w.replaces.stopReason,
                    config.gracefulTimeout());
        }
        if (reloading) {
            long ready = workers.values().stream()
                    .filter(o -> o.generation == generation && o.state == WorkerHandle.State.READY).count();
            if (ready >= target) {
                for (WorkerHandle old : List.copyOf(workers.values())) {
                    if (old.generation < generation && old.isActive()) {
                        stopWorker(old, "reload: generation " + generation + " is ready", config.gracefulTimeout());
                    }
                }
                reloading = false;
                log.info("HUP: reload done, generation {} serving", generation);
                systemd.ready("serving generation " + generation + " with " + target + " worker(s)");
            }
        } else if (!announcedReady || upgrade == Upgrade.TAKING_OVER) {
            long ready = workers.values().stream().filter(o -> o.state == WorkerHandle.State.READY).count();
            if (ready >= target && upgrade == Upgrade.TAKING_OVER) {
                tellOldMasterToRetire();
                announcedReady = true;
            } else if (ready >= target) {
                // systemd starts what comes After= this unit (the proxy, nginx) once it says so.
                announcedReady = true;
                systemd.ready("serving generation " + generation + " with " + target + " worker(s)");
            }
        }
    }

    private WorkerHandle byChannel(Channel ch) {
        for (WorkerHandle w : workers.values()) {
            if (w.control == ch) {
                return w;
            }
        }
        return null;
    }

    private boolean isBeingReplaced(WorkerHandle w) {
        return workers.values().stream().anyMatch(o -> o.replaces == w);
    }

    /** Graceful recycle: start the replacement first; the old one stops once it is ready. */
    private void recycle(WorkerHandle w, String why) {
        log.info("{}: {}; starting its replacement", w, why);
        w.stopReason = why;
        WorkerHandle next = spawn(w.id);
        if (next != null) {
            next.replaces = w;
        }
    }

    /**
     * Kills workers that are stuck: silent past {@code timeout}, a request past {@code harakiri},
     * still booting after {@link #BOOT_TIMEOUT_NANOS}, or still stopping after their grace. A
     * worker is killed once; its exit event then reaps it.
     */
    private void murderSilentAndStuck() {
        long now = System.nanoTime();
        long timeoutNanos = config.timeout().toNanos();
        long harakiriMillis = config.harakiri().toMillis();
        for (WorkerHandle w : List.copyOf(workers.values())) {
            if (w.killed || !w.process.isAlive()) {
                continue;
            }
            switch (w.state) {
                case STOPPING -> {
                    if (now > w.stopDeadlineNanos + GRACE_MARGIN_NANOS) {
                        kill(w, "did not stop within its grace period (" + w.stopReason + ")");
                    }
                }
                case STARTING -> {
                    // Loading an app may take long, and a booting worker sends no heartbeat:
                    // timeout is for a running worker, boot has its own bound.
                    if (now - w.spawnedAtNanos > BOOT_TIMEOUT_NANOS) {
                        kill(w, "was not ready within " + TimeSpan.format(Duration.ofNanos(BOOT_TIMEOUT_NANOS)));
                    }
                }
                case READY -> {
                    long silentNanos = now - w.lastSeenNanos;
                    if (silentNanos > timeoutNanos) {
                        kill(w, "sent no heartbeat for " + silentNanos / 1_000_000 + " ms (timeout "
                                + TimeSpan.format(config.timeout()) + ")");
                        continue;
                    }
                    Heartbeat hb = w.heartbeat;
                    if (harakiriMillis > 0 && hb.oldestStartMillis() > 0) {
                        long running = System.currentTimeMillis() - hb.oldestStartMillis();
                        if (running > harakiriMillis) {
                            slot(w.id).harakiris++;
                            log.error("harakiri: {} has run \"{}\" for {} ms (harakiri {}); killing the worker",
                                    w, hb.oldestRequest(), running, TimeSpan.format(config.harakiri()));
                            w.killed = true;
                            w.process.destroyForcibly();
                        }
                    }
                }
            }
        }
    }

    private void kill(WorkerHandle w, String why) {
        log.error("{} {}; killing it", w, why);
        w.killed = true;
        w.process.destroyForcibly();
    }

    private void recycleOnRss() {
        long limit = config.reloadOnRss().bytes();
        for (WorkerHandle w : List.copyOf(workers.values())) {
            w.rssBytes = ProcessMemory.rssBytes(w.pid);
            if (limit > 0 && w.state == WorkerHandle.State.READY && w.rssBytes > limit && !isBeingReplaced(w)) {
                recycle(w, "reload_on_rss: resident memory " + w.rssBytes / 1024 + " KiB > " + limit / 1024 + " KiB");
            }
        }
    }

    /**
     * Keeps the pool at its target: spawns missing workers, retires extra ones. A worker being
     * recycled is not counted; its replacement is.
     */
    private void manageWorkers() {
        List<WorkerHandle> counted = new ArrayList<>(workers.values().stream()
                .filter(w -> w.generation == generation && w.isActive() && !isBeingReplaced(w))
                .toList());
        if (counted.size() < target && System.nanoTime() >= nextSpawnNanos) {
            for (int id = 1; counted.size() < target; id++) {
                int slotId = id;
                if (counted.stream().noneMatch(w -> w.id == slotId)) {
                    WorkerHandle w = spawn(slotId);
                    if (w == null) {
                        return;
                    }
                    counted.add(w);
                }
            }
        } else if (counted.size() > target) {
            counted.stream()
                    .sorted(Comparator.comparingInt((WorkerHandle w) -> w.id).reversed())
                    .limit(counted.size() - target)
                    .forEach(w -> stopWorker(w, shrinkReason, config.gracefulTimeout()));
        }
    }

    /** Once a second: measure the pool, and resize an adaptive one as {@link PoolSizer} decides. */
    private void sizePool() {
        long now = System.nanoTime();
        if (!pool.sampleDue(now)) {
            return;
        }
        List<WorkerHandle> serving = workers.values().stream()
                .filter(w -> w.state == WorkerHandle.State.READY).toList();
        boolean settled = !reloading && serving.size() == target
                && workers.values().stream().noneMatch(w -> w.state == WorkerHandle.State.STARTING);
        PoolSizer.Decision d = pool.sample(serving, settled, target, listen, now);
        switch (d) {
            case null -> {
            }
            case PoolSizer.Decision.Hold h -> {
                if (h.limit() != poolLimit && h.limit() != PoolSizer.Limit.NONE) {
                    log.warn("pool: staying at {} worker(s): {}", target, h.why());
                }
                poolLimit = h.limit();
            }
            case PoolSizer.Decision.Grow g -> {
                log.info("pool: {} -> {} workers: {}", target, g.to(), g.why());
                target = g.to();
                poolLimit = PoolSizer.Limit.NONE;
            }
            case PoolSizer.Decision.Shrink sh -> {
                log.info("pool: {} -> {} workers: {}", target, sh.to(), sh.why());
                shrinkReason = "pool: fewer workers (" + sh.why() + ")";
                target = sh.to();
                poolLimit = PoolSizer.Limit.NONE;
            }
            case PoolSizer.Decision.RecycleLargest r -> serving.stream()
                    .filter(w -> !isBeingReplaced(w))
                    .max(Comparator.comparingLong((WorkerHandle w) -> w.rssBytes))
                    .ifPresent(w -> recycle(w, r.why()));
        }
    }

    private WorkerHandle spawn(int id) {
        long jitter = config.maxRequestsJitter() > 0 ? ThreadLocalRandom.current().nextLong(config.maxRequestsJitter() + 1) : 0;
        long maxRequests = config.maxRequests() > 0 ? config.maxRequests() + jitter : 0;
        String reusePortBind = boundAs.reusePort() ? boundAs.bind().host() + ":" + boundAs.bind().port() : null;
        try {
            Process p = launcher.start(config, controlPath, id, generation, listen != null && !listen.isUnix(), reusePortBind);
            WorkerHandle w = new WorkerHandle(id, generation, p, maxRequests);
            workers.put(w.pid, w);
            p.onExit().thenAccept(done -> events.add(new MasterEvent.WorkerExited(w, done.exitValue())));
            log.info("spawned {} (generation {})", w, generation);
            return w;
        } catch (IOException e) {
            log.error("cannot start worker {}: {}", id, e.getMessage());
            nextSpawnNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            return null;
        }
    }

    private void stopWorker(WorkerHandle w, String why, java.time.Duration grace) {
        if (w.state == WorkerHandle.State.STOPPING) {
            return;
        }
        w.state = WorkerHandle.State.STOPPING;
        w.stopReason = why;
        w.stopDeadlineNanos = System.nanoTime() + grace.toNanos();
        if (w.control != null && w.control.isActive()) {
            send(w, ControlProtocol.stop(grace.toMillis()));
        } else {
            w.process.destroy();
        }
    }

    private void send(WorkerHandle w, String line) {
        if (w.control != null && w.control.isActive()) {
            w.control.writeAndFlush(line + "\n");
        }
    }

    private SlotRecord slot(int id) {
        return slots.computeIfAbsent(id, k -> new SlotRecord());
    }

    private void publishStats() {
        if (stats == null) {
            return;
        }
        List<StatsSnapshot.Worker> list = new ArrayList<>();
        for (WorkerHandle w : workers.values()) {
            SlotRecord s = slot(w.id);
            list.add(new StatsSnapshot.Worker(w.id, w.pid, w.generation, w.state.name().toLowerCase(java.util.Locale.ROOT),
                    w.heartbeat, s.harakiris, s.respawns, w.rssBytes, w.spawnedAtMillis / 1000));
        }
        snapshot = new StatsSnapshot(ProcessHandle.current().pid(), boundAs.bind().toString(), listenQueue(), target, list);
    }

    private long listenQueue() {
        if (listen == null || listen.isUnix()) {
            return -1;
        }
        try {
            return ProcessMemory.tcpListenQueue(listen.port());
        } catch (IOException e) {
            return -1;
        }
    }

    private void cleanup() {
        for (WorkerHandle w : workers.values()) {
            w.process.destroyForcibly();
        }
        if (stats != null) {
            stats.close();
        }
        if (control != null) {
            control.close();
        }
        if (admin != null) {
            admin.close();
            try {
                Files.deleteIfExists(adminPath);
            } catch (IOException e) {
                log.warn("cannot remove {}: {}", adminPath, e.getMessage());
            }
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        }
        if (listen != null) {
            if (upgrade == Upgrade.RETIRING) {
                listen.disown();
            }
            try {
                listen.close();
            } catch (IOException e) {
                log.warn("cannot remove the socket file of {}: {}", boundAs.bind(), e.getMessage());
            }
        }
        config.pidfile().filter(p -> upgrade != Upgrade.RETIRING && upgrade != Upgrade.TAKING_OVER).ifPresent(p -> {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                log.warn("cannot remove pidfile {}: {}", p, e.getMessage());
            }
        });
        if (runDir != null) {
            try {
                Files.deleteIfExists(controlPath);
                Files.deleteIfExists(runDir);
            } catch (IOException e) {
                log.warn("cannot remove {}: {}", runDir, e.getMessage());
            }
        }
    }
}
