/**
 * What the servers say to and take from systemd, without libsystemd: {@link
 * dev.gatehouse.systemd.ServiceNotifier} speaks the notify protocol ({@code sd_notify(3)}: {@code
 * READY=1}, {@code RELOADING=1}, {@code STOPPING=1}, {@code WATCHDOG=1}, {@code MAINPID=}) and
 * {@link dev.gatehouse.systemd.PassedSockets} takes the listening sockets of socket activation
 * ({@code sd_listen_fds(3)}: {@code LISTEN_FDS}, {@code LISTEN_PID}, {@code LISTEN_FDNAMES}).
 * Outside systemd both are inert: no variable, nothing sent, no socket passed.
 */
package dev.gatehouse.systemd;
