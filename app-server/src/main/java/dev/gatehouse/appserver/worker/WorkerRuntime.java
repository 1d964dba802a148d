package dev.gatehouse.appserver.worker;

import dev.gatehouse.appserver.api.Application;
import java.util.concurrent.ExecutorService;

/**
 * What every connection of one worker shares: the app, where it runs, the writer and the counters.
 *
 * @param askNonBlocking the app overrides {@link Application#isNonBlocking}, so it is worth asking
 */
record WorkerRuntime(WorkerOptions options, Application app, ExecutorService executor, ResponseWriter writer,
        WorkerStats stats, boolean askNonBlocking) {

    WorkerRuntime(WorkerOptions options, Application app, ExecutorService executor, ResponseWriter writer,
            WorkerStats stats) {
        this(options, app, executor, writer, stats, overridesNonBlocking(app));
    }

    private static boolean overridesNonBlocking(Application app) {
        try {
            return app.getClass().getMethod("isNonBlocking", dev.gatehouse.appserver.api.Request.class)
                    .getDeclaringClass() != Application.class;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }
}
