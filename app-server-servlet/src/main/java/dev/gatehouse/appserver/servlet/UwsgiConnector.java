package dev.gatehouse.appserver.servlet;

import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.Server;

/**
 * The connector Jetty's request objects point at. It accepts nothing: the worker's Netty event
 * loop accepts and decodes the uwsgi connections, and {@link ServletApplication} hands each request
 * to Jetty. It exists because a request's connection metadata must name a connector (for the
 * server, the executor and the buffer pool).
 */
final class UwsgiConnector extends AbstractConnector {

    UwsgiConnector(Server server) {
        super(server, null, null, null, 0);
        setDefaultProtocol("uwsgi");
    }

    @Override
    protected void accept(int acceptorID) {
        throw new UnsupportedOperationException("the uwsgi connector has no acceptor; the worker accepts");
    }

    @Override
    public Object getTransport() {
        return null;
    }
}
