package dev.gatehouse.appserver.servlet;

import java.net.SocketAddress;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.util.Attributes;

/**
 * One uwsgi request's "connection" as Jetty sees it: the client and server addresses come from
 * {@code REMOTE_ADDR}/{@code REMOTE_PORT} and {@code SERVER_ADDR}/{@code SERVER_PORT} (the front's
 * connection, not the unix socket between front and worker), and {@code isSecure} from
 * {@code HTTPS}/{@code REQUEST_SCHEME}. One per request: a uwsgi connection carries one request
 * at a time, and the front may put requests of different clients on one connection.
 */
final class VarsConnectionMetaData extends Attributes.Lazy implements ConnectionMetaData {

    private final String id;
    private final HttpConfiguration configuration;
    private final Connector connector;
    private final HttpVersion version;
    private final boolean secure;
    private final SocketAddress remote;
    private final SocketAddress local;

    VarsConnectionMetaData(String id, HttpConfiguration configuration, Connector connector, HttpVersion version,
            boolean secure, SocketAddress remote, SocketAddress local) {
        this.id = id;
        this.configuration = configuration;
        this.connector = connector;
        this.version = version;
        this.secure = secure;
        this.remote = remote;
        this.local = local;
    }

    @Override
    public String getId() {
        return id;
    }

    @Override
    public HttpConfiguration getHttpConfiguration() {
        return configuration;
    }

    @Override
    public HttpVersion getHttpVersion() {
        return version;
    }

    @Override
    public String getProtocol() {
        return version.asString();
    }

    @Override
    public Connection getConnection() {
        return null;
    }

    @Override
    public Connector getConnector() {
        return connector;
    }

    /** Keep-alive towards the front is the worker's business; Jetty never closes anything here. */
    @Override
    public boolean isPersistent() {
        return true;
    }

    @Override
    public boolean isSecure() {
        return secure;
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return remote;
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return local;
    }
}
