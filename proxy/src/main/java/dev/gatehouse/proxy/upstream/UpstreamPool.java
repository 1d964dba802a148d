package dev.gatehouse.proxy.upstream;

import dev.gatehouse.conf.Address;
import dev.gatehouse.conf.proxy.Balance;
import dev.gatehouse.conf.proxy.UpstreamConfig;
import dev.gatehouse.conf.proxy.UpstreamServer;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@code [upstream.NAME]} pool: its servers, how the next one is picked (smooth weighted
 * round-robin as nginx's, or least connections with round-robin among ties), passive health,
 * backups (used only while no primary server is up), and the idle connections kept for reuse:
 * up to {@code keepalive} per event loop (nginx keeps its cache per worker), oldest closed first.
 * A connection is only ever used on the event loop it was opened on, the client's.
 */
final class UpstreamPool implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(UpstreamPool.class);

    /**
     * How long an idle connection is kept: well under the app-server's read_timeout (60 s), so
     * that the proxy, not the server, closes it and a request rarely meets a connection the
     * server is closing.
     */
    static final long IDLE_TIMEOUT_MILLIS = 20_000;

    final UpstreamConfig config;
    private final List<UpstreamPeer> primary = new ArrayList<>();
    private final List<UpstreamPeer> backup = new ArrayList<>();
    /** nginx ignores max_fails and fail_timeout when a group has a single server. */
    private final boolean healthChecked;
    private final Map<EventLoop, IdleConnections> idle = new ConcurrentHashMap<>();
    private volatile boolean closed;

    UpstreamPool(UpstreamConfig config) {
        this.config = config;
        for (UpstreamServer s : config.servers()) {
            (s.backup() ? backup : primary).add(new UpstreamPeer(s));
        }
        healthChecked = config.servers().size() > 1;
    }

    /** How many servers a request may try at most. */
    int peerCount() {
        return primary.size() + backup.size();
    }

    /**
     * Picks a server not yet tried by this request, or null when none is left up. When every
     * server is down, their failure counts are cleared (nginx does the same) so that the next
     * request tries them again instead of waiting out fail_timeout.
     */
    synchronized UpstreamPeer select(Set<UpstreamPeer> tried) {
        long now = System.nanoTime();
        UpstreamPeer p = pick(primary, tried, now);
        if (p == null) {
            p = pick(backup, tried, now);
        }
        if (p == null && tried.isEmpty()) {
            log.error("upstream {}: no live upstreams (every server failed within its fail_timeout)", config.name());
            primary.forEach(UpstreamPeer::succeeded);
            backup.forEach(UpstreamPeer::succeeded);
        }
        if (p != null) {
            p.active++;
        }
        return p;
    }

    private UpstreamPeer pick(List<UpstreamPeer> peers, Set<UpstreamPeer> tried, long now) {
        UpstreamPeer least = null;
        if (config.balance() == Balance.LEAST_CONN) {
            for (UpstreamPeer p : peers) {
                if (available(p, tried, now) && (least == null || fewer(p, least))) {
                    least = p;
                }
            }
        }
        UpstreamPeer best = null;
        int total = 0;
        for (UpstreamPeer p : peers) {
            if (!available(p, tried, now) || least != null && fewer(least, p)) {
                continue; // least_conn: only the servers with the fewest active requests per weight
            }
            p.currentWeight += p.server.weight();
            total += p.server.weight();
            if (best == null || p.currentWeight > best.currentWeight) {
                best = p;
            }
        }
        if (best != null) {
            best.currentWeight -= total;
        }
        return best;
    }

    private boolean available(UpstreamPeer p, Set<UpstreamPeer> tried, long now) {
        return !tried.contains(p) && !p.down(now, healthChecked);
    }

    /** Whether a has fewer active requests per weight than b (compared without division). */
    private static boolean fewer(UpstreamPeer a, UpstreamPeer b) {
        return (long) a.active * b.server.weight() < (long) b.active * a.server.weight();
    }

    /** The request on {@code peer} ended: success clears its failures, a failure counts toward max_fails. */
    synchronized void release(UpstreamPeer peer, boolean failed) {
        peer.active--;
        if (failed) {
            if (healthChecked) {
                peer.failed(System.nanoTime());
                if (peer.down(System.nanoTime(), true)) {
                    log.warn("upstream {}: server {} is out of rotation for {} after {} failures", config.name(), peer,
                            peer.server.failTimeout(), peer.fails);
                }
            }
        } else {
            peer.succeeded();
        }
    }

    /** An idle connection to {@code peer} opened on {@code loop}, or null. Call on {@code loop}. */
    UpstreamConnection idleConnection(EventLoop loop, UpstreamPeer peer) {
        IdleConnections idle = this.idle.get(loop);
        if (idle == null) {
            return null;
        }
        // Most recently used first: it is the least likely to have been closed by the server.
        for (Iterator<UpstreamConnection> it = idle.queue.descendingIterator(); it.hasNext(); ) {
            UpstreamConnection c = it.next();
            if (c.peer == peer) {
                it.remove();
                if (c.usable()) {
                    return c;
                }
                c.close();
            }
        }
        return null;
    }

    /** Keeps a connection that just completed a framed response for the next request. Call on its loop. */
    void keep(UpstreamConnection c) {
        if (closed || config.keepalive() == 0 || !c.usable()) {
            c.close();
            return;
        }
        if (c.requests > 1) {
            c.peer.reused();
        }
        EventLoop loop = c.channel.eventLoop();
        IdleConnections idle = this.idle.computeIfAbsent(loop, IdleConnections::new);
        c.detach();
        c.idleSince = System.nanoTime();
        idle.queue.addLast(c);
        while (idle.queue.size() > config.keepalive()) {
            idle.queue.pollFirst().close();
        }
        idle.sweepLater();
    }

    /** The server closed an idle connection (or it broke). */
    void closedWhileIdle(UpstreamConnection c, boolean byServer) {
        IdleConnections idle = this.idle.get(c.channel.eventLoop());
        boolean wasIdle = idle != null && idle.queue.remove(c);
        if (wasIdle && byServer && c.requests == 1) {
            c.peer.closedWhileIdle();
        }
    }

    /**
     * One loop's idle connections, oldest first (a connection joins at the tail when its response
     * ends), and one pending sweep that closes those idle past {@link #IDLE_TIMEOUT_MILLIS}: a
     * timer per loop, not one per kept connection, which would be one per request.
     */
    private static final class IdleConnections {
        private static final long TIMEOUT_NANOS = TimeUnit.MILLISECONDS.toNanos(IDLE_TIMEOUT_MILLIS);

        final EventLoop loop;
        final ArrayDeque<UpstreamConnection> queue = new ArrayDeque<>();
        private boolean sweepPending;

        IdleConnections(EventLoop loop) {
            this.loop = loop;
        }

        void sweepLater() {
            if (!sweepPending && !queue.isEmpty()) {
                sweepPending = true;
                long due = queue.peekFirst().idleSince + TIMEOUT_NANOS - System.nanoTime();
                loop.schedule(this::sweep, Math.max(due, 0), TimeUnit.NANOSECONDS);
            }
        }

        private void sweep() {
            sweepPending = false;
            long now = System.nanoTime();
            while (!queue.isEmpty() && now - queue.peekFirst().idleSince >= TIMEOUT_NANOS) {
                queue.pollFirst().close();
            }
            sweepLater();
        }
    }

    /**
     * Opens a connection to {@code peer} on {@code loop}; once connected, its pipeline holds the
     * {@link UpstreamConnection}.
     */
    ChannelFuture connect(EventLoop loop, UpstreamPeer peer) {
        Address a = peer.server.address();
        boolean unix = a.isUnix();
        SocketAddress target = unix ? new DomainSocketAddress(a.path()) : new InetSocketAddress(a.host(), a.port());
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(unix ? EpollDomainSocketChannel.class
                        : Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, config.connectTimeout().toMillis()))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        UwsgiResponseDecoder decoder = new UwsgiResponseDecoder((int) config.bufferSize().bytes());
                        UpstreamConnection conn = new UpstreamConnection(peer, UpstreamPool.this, ch, decoder);
                        ch.pipeline().addLast("bytes", new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                if (msg instanceof ByteBuf b) {
                                    conn.rawBytes(b.readableBytes());
                                }
                                ctx.fireChannelRead(msg);
                            }
                        });
                        ch.pipeline().addLast("decoder", decoder);
                        ch.pipeline().addLast("connection", conn);
                    }
                });
        if (!unix) {
            b.option(ChannelOption.TCP_NODELAY, true);
        }
        return b.connect(target);
    }

    @Override
    public void close() {
        closed = true;
        for (IdleConnections idle : idle.values()) {
            if (idle.loop.isShuttingDown()) {
                continue; // the loop closes its channels itself
            }
            try {
                idle.loop.execute(() -> {
                    while (!idle.queue.isEmpty()) {
                        idle.queue.poll().close();
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException stopped) {
                // the loop stopped meanwhile, closing its channels
            }
        }
    }
}
