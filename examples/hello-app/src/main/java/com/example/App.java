package com.example;

import dev.gatehouse.appserver.api.Application;
import dev.gatehouse.appserver.api.Request;
import dev.gatehouse.appserver.api.Response;
import dev.gatehouse.appserver.api.WorkerContext;

/**
 * A Gatehouse application: one instance per worker process, {@link #handle} called for every
 * request on its own virtual thread, so plain blocking code (JDBC, HTTP clients) is fine.
 *
 * <ul>
 *   <li>{@code GET /} or {@code /hello?name=Ada}: a greeting
 *   <li>{@code GET /download/report.pdf}: lets the front server send the file: the app answers
 *       with an {@code X-Accel-Redirect} header naming an internal location, and nginx (or the
 *       Gatehouse proxy) sends the file itself, zero-copy, while this worker moves on
 * </ul>
 */
public final class App implements Application {

    /** Set once per worker by {@link #start}, before the first request. */
    private volatile int workerId;

    @Override
    public void start(WorkerContext context) {
        // Per-worker set-up goes here: connection pools, caches, warm-up.
        workerId = context.workerId();
    }

    @Override
    public Response handle(Request request) {
        String path = request.path();
        if (path.equals("/") || path.equals("/hello")) {
            String name = request.queryParameter("name");
            String who = name == null || name.isBlank() ? "world" : name;
            return Response.status(200)
                    .header("Content-Type", "text/plain; charset=utf-8")
                    .header("X-Worker-Id", Integer.toString(workerId))
                    .body("Hello, " + who + "!\n")
                    .build();
        }
        if (path.startsWith("/download/")) {
            String file = path.substring("/download/".length());
            // Check the name (and, in a real app, who may download it) before handing it over.
            if (!file.matches("[A-Za-z0-9_-][A-Za-z0-9._-]*")) {
                return Response.notFound();
            }
            return Response.status(200).header("X-Accel-Redirect", "/protected/" + file).build();
        }
        return Response.notFound();
    }
}
