package dev.gatehouse.proxy.accesslog;

import dev.gatehouse.conf.proxy.AccessLogFormat;
import dev.gatehouse.conf.proxy.AccessLogTarget;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log. I/O threads only enqueue entries ({@link #log}); one daemon thread formats and
 * writes them in batches, so a slow disk never stalls a connection. When the queue is full,
 * entries are dropped and counted rather than blocking the event loop; the count is reported in
 * the error log. {@link #reopen()} (USR1) reopens the file after log rotation.
 */
public final class AccessLog implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AccessLog.class);
    private static final int QUEUE_CAPACITY = 65_536;
    private static final Object REOPEN = new Object();
    private static final Object STOP = new Object();

    private final AccessLogTarget target;
    private final LogLineFormat format;
    private final BlockingQueue<Object> queue;
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer;
    private OutputStream out;

    private AccessLog(AccessLogTarget target, AccessLogFormat format) {
        this.target = target;
        this.format = new LogLineFormat(format);
        if (target.kind() == AccessLogTarget.Kind.OFF) {
            queue = null;
            writer = null;
            return;
        }
        queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
        out = open();
        writer = new Thread(this::run, "gatehouse-access-log");
        writer.setDaemon(true);
        writer.start();
    }

    /** Opens the log; a file is created if missing and appended to. */
    public static AccessLog open(AccessLogTarget target, AccessLogFormat format) {
        return new AccessLog(target, format);
    }

    /** Whether entries are written anywhere. */
    public boolean enabled() {
        return queue != null;
    }

    /** Queues an entry; never blocks. */
    public void log(AccessLogEntry entry) {
        if (queue != null && !queue.offer(entry)) {
            dropped.incrementAndGet();
        }
    }

    /** Reopens the file (USR1), after the entries queued so far are written to the old one. */
    public void reopen() {
        if (queue != null) {
            try {
                queue.put(REOPEN);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Writes what is queued and stops the writer thread. */
    @Override
    public void close() {
        if (queue == null) {
            return;
        }
        try {
            queue.put(STOP);
            writer.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private OutputStream open() {
        if (target.kind() == AccessLogTarget.Kind.STDOUT) {
            return new FileOutputStream(java.io.FileDescriptor.out);
        }
        try {
            return new FileOutputStream(target.file().orElseThrow().toFile(), true);
        } catch (IOException e) {
            log.error("cannot open access log {}: {}; entries are dropped until the next reopen (USR1)",
                    target, e.getMessage());
            return OutputStream.nullOutputStream();
        }
    }

    private void run() {
        List<Object> batch = new ArrayList<>(1024);
        StringBuilder text = new StringBuilder(64 * 1024);
        while (true) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                return;
            }
            queue.drainTo(batch, 4095);
            boolean stop = false;
            for (Object o : batch) {
                if (o instanceof AccessLogEntry e) {
                    text.append(format.format(e));
                } else if (o == REOPEN) {
                    write(text);
                    reopenNow();
                } else if (o == STOP) {
                    stop = true;
                }
            }
            batch.clear();
            write(text);
            long lost = dropped.getAndSet(0);
            if (lost > 0) {
                log.warn("access log queue full: {} entries dropped", lost);
            }
            if (stop) {
                if (target.kind() == AccessLogTarget.Kind.FILE) {
                    closeQuietly();
                }
                return;
            }
        }
    }

    private void write(StringBuilder text) {
        if (text.isEmpty()) {
            return;
        }
        try {
            out.write(text.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        } catch (IOException e) {
            log.error("cannot write access log {}: {}", target, e.getMessage());
        }
        text.setLength(0);
    }

    private void reopenNow() {
        if (target.kind() != AccessLogTarget.Kind.FILE) {
            return;
        }
        closeQuietly();
        out = open();
        log.info("reopened access log {}", target);
    }

    private void closeQuietly() {
        try {
            out.close();
        } catch (IOException e) {
            log.warn("closing access log {}: {}", target, e.getMessage());
        }
    }
}
