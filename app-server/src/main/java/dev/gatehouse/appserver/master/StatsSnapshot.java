package dev.gatehouse.appserver.master;

import dev.gatehouse.appserver.control.Heartbeat;
import java.util.List;

/**
 * The master's state as the stats endpoint shows it; made by the master's loop, read by the
 * stats server's thread.
 */
record StatsSnapshot(long pid, String listen, long listenQueue, int targetWorkers, List<Worker> workers) {

    static final StatsSnapshot EMPTY = new StatsSnapshot(0, "", -1, 0, List.of());

    record Worker(int id, long pid, int generation, String state, Heartbeat heartbeat, int harakiriCount,
            int respawnCount, long rssBytes, long lastSpawnEpochSeconds) {

        /** uWSGI's status words: idle, busy, or the lifecycle state while not serving. */
        String status() {
            if (!state.equals("ready")) {
                return state.equals("starting") ? "starting" : "stopping";
            }
            return heartbeat.inFlight() > 0 || heartbeat.webSockets() > 0 ? "busy" : "idle";
        }
    }

    /** JSON in the shape of uWSGI's stats server, per worker fields included. */
    String toJson() {
        StringBuilder sb = new StringBuilder(512);
        sb.append("{\"version\":\"gatehouse\",\"pid\":").append(pid);
        sb.append(",\"listen\":");
        string(sb, listen);
        sb.append(",\"listen_queue\":").append(listenQueue);
        sb.append(",\"target_workers\":").append(targetWorkers);
        sb.append(",\"workers\":[");
        for (int i = 0; i < workers.size(); i++) {
            Worker w = workers.get(i);
            Heartbeat hb = w.heartbeat;
            if (i > 0) {
                sb.append(',');
            }
            sb.append("{\"id\":").append(w.id)
                    .append(",\"pid\":").append(w.pid)
                    .append(",\"generation\":").append(w.generation)
                    .append(",\"status\":\"").append(w.status()).append('"')
                    .append(",\"requests\":").append(hb.requests())
                    .append(",\"running\":").append(hb.inFlight())
                    .append(",\"websockets\":").append(hb.webSockets())
                    .append(",\"exceptions\":").append(hb.exceptions())
                    .append(",\"rejected\":").append(hb.rejected())
                    .append(",\"connections\":").append(hb.connections())
                    .append(",\"harakiri_count\":").append(w.harakiriCount)
                    .append(",\"respawn_count\":").append(w.respawnCount)
                    .append(",\"rss\":").append(w.rssBytes)
                    .append(",\"avg_rt\":").append(hb.avgResponseMicros())
                    .append(",\"last_spawn\":").append(w.lastSpawnEpochSeconds)
                    .append('}');
        }
        return sb.append("]}").toString();
    }

    /** A table for people: what {@code gatehouse ctl workers} and {@code ctl top} show. */
    String toTable() {
        StringBuilder sb = new StringBuilder(256);
        sb.append("master pid ").append(pid).append(", listening on ").append(listen).append(", ")
                .append(targetWorkers).append(" worker(s) wanted");
        if (listenQueue >= 0) {
            sb.append(", listen queue ").append(listenQueue);
        }
        sb.append('\n');
        sb.append(String.format("%-4s %-8s %-4s %-9s %10s %8s %10s %9s %8s%n", "ID", "PID", "GEN", "STATUS",
                "REQUESTS", "RUNNING", "EXCEPTIONS", "RSS MiB", "AVG ms"));
        for (Worker w : workers) {
            sb.append(String.format("%-4d %-8d %-4d %-9s %10d %8d %10d %9.1f %8.2f%n", w.id, w.pid, w.generation,
                    w.status(), w.heartbeat.requests(), w.heartbeat.inFlight(), w.heartbeat.exceptions(),
                    w.rssBytes / (1024.0 * 1024.0), w.heartbeat.avgResponseMicros() / 1000.0));
        }
        return sb.toString();
    }

    /** Prometheus text exposition format, version 0.0.4. */
    String toPrometheus() {
        StringBuilder sb = new StringBuilder(1024);
        metric(sb, "gatehouse_workers", "gauge", "Worker processes the master keeps.");
        sb.append("gatehouse_workers ").append(targetWorkers).append('\n');
        if (listenQueue >= 0) {
            metric(sb, "gatehouse_listen_queue", "gauge", "Connections waiting to be accepted.");
            sb.append("gatehouse_listen_queue ").append(listenQueue).append('\n');
        }
        perWorker(sb, "gatehouse_worker_requests_total", "counter", "Requests answered.", w -> w.heartbeat.requests());
        perWorker(sb, "gatehouse_worker_exceptions_total", "counter", "Requests whose application threw.",
                w -> w.heartbeat.exceptions());
        perWorker(sb, "gatehouse_worker_rejected_total", "counter", "Requests refused by max_concurrency.",
                w -> w.heartbeat.rejected());
        perWorker(sb, "gatehouse_worker_connections_total", "counter", "Connections accepted.",
                w -> w.heartbeat.connections());
        perWorker(sb, "gatehouse_worker_running", "gauge", "Requests running now.", w -> w.heartbeat.inFlight());
        perWorker(sb, "gatehouse_worker_websockets", "gauge", "WebSockets open now.", w -> w.heartbeat.webSockets());
        perWorker(sb, "gatehouse_worker_rss_bytes", "gauge", "Resident memory.", w -> w.rssBytes);
        perWorker(sb, "gatehouse_worker_harakiri_total", "counter", "Workers of this slot killed by harakiri.",
                w -> w.harakiriCount);
        perWorker(sb, "gatehouse_worker_respawns_total", "counter", "Respawns of this worker slot.", w -> w.respawnCount);
        return sb.toString();
    }

    private void perWorker(StringBuilder sb, String name, String type, String help,
            java.util.function.ToLongFunction<Worker> value) {
        metric(sb, name, type, help);
        for (Worker w : workers) {
            sb.append(name).append("{worker=\"").append(w.id).append("\",pid=\"").append(w.pid).append("\"} ")
                    .append(value.applyAsLong(w)).append('\n');
        }
    }

    private static void metric(StringBuilder sb, String name, String type, String help) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        sb.append('"');
    }
}
