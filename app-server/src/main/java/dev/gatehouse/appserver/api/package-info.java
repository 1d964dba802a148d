/**
 * The application API of the Gatehouse app-server: what a web application compiles against.
 *
 * <p>An application implements {@link dev.gatehouse.appserver.api.Application}, reads the
 * {@link dev.gatehouse.appserver.api.Request} (a view over the uwsgi vars the front server
 * sent, never re-parsed) and returns a {@link dev.gatehouse.appserver.api.Response}. No type
 * of Netty or of the server's internals appears here.
 */
package dev.gatehouse.appserver.api;
