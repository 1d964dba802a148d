/**
 * Upgrading the proxy without a dropped connection, as HAProxy's seamless reload does: the
 * running proxy offers its listening sockets on a unix socket beside its pidfile ({@link
 * dev.gatehouse.proxy.upgrade.HandoverServer}); a new proxy started with {@code --upgrade-from
 * PIDFILE} takes them ({@link dev.gatehouse.proxy.upgrade.HandoverClient}), serves on them, and
 * then tells the old one to drain. Both processes hold the same kernel sockets meanwhile, so a
 * connection waiting in a listen queue is accepted by whichever is accepting; none is refused.
 */
package dev.gatehouse.proxy.upgrade;
