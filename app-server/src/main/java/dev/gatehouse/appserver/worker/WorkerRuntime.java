package dev.gatehouse.appserver.worker;

import dev.gatehouse.appserver.api.Application;
import java.util.concurrent.ExecutorService;

/** What every connection of one worker shares: the app, where it runs, the writer and the counters. */
record WorkerRuntime(
        WorkerOptions options, Application app, ExecutorService executor, ResponseWriter writer, WorkerStats stats) {
}
