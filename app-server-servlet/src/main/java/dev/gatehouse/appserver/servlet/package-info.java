/**
 * Servlet web apps on the app-server's workers: an embedded Jetty 12.1 (ee11, Servlet 6.1) with
 * no network connector of its own, fed each uwsgi request as a {@code MetaData.Request} built
 * from the vars, the way Jetty's own FastCGI and HTTP/2 transports feed it, so HTTP is never
 * parsed a second time. The worker loads {@link dev.gatehouse.appserver.servlet.ServletApplication}
 * by name when {@code war} is set; nothing else in the worker refers to this package.
 */
package dev.gatehouse.appserver.servlet;
