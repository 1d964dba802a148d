package dev.gatehouse.conf;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/**
 * Where a server listens or connects: a unix socket ({@code unix:/run/gatehouse/app.sock}) or a
 * TCP host and port ({@code 127.0.0.1:3031}, {@code localhost:3031}, {@code [::1]:3031}, and the
 * wildcards {@code *:8080} for every address and {@code 0.0.0.0:8080} for every IPv4 address).
 * {@link #toString()} gives back the text form, so {@code parse(a.toString())} equals {@code a}.
 *
 * @param path the unix socket path (absolute), or {@code null} for a TCP address
 * @param host the host name or IP literal (IPv6 without brackets, {@code *} for the wildcard),
 *     or {@code null} for a unix socket
 * @param port the TCP port, 1 to 65535, or 0 for a unix socket
 */
public record Address(String path, String host, int port) {

    /**
     * The longest unix socket path Linux accepts: {@code sun_path} is 108 bytes including the
     * terminating NUL. The JDK does not check it and a longer path fails only at bind time with a
     * bare "Invalid argument", so it is checked here.
     */
    public static final int MAX_UNIX_PATH_BYTES = 107;

    private static final String EXPECTED =
            "an address such as unix:/run/gatehouse/app.sock, 127.0.0.1:3031 or [::1]:3031";

    /** Checks that exactly one of path and host is set, and the port suits it. */
    public Address {
        if ((path == null) == (host == null)) {
            throw new IllegalArgumentException("an Address has either a unix path or a host, not "
                    + (path == null ? "neither" : "both"));
        }
        if (path != null) {
            checkUnixPath(path, "unix:" + path);
            if (port != 0) {
                throw new IllegalArgumentException("a unix socket address has no port, got " + port);
            }
        } else {
            checkHost(host, host + ":" + port);
            checkPort(port, host + ":" + port);
        }
    }

    /** A unix socket at an absolute path. */
    public static Address unix(String path) {
        return new Address(path, null, 0);
    }

    /** A TCP address; {@code host} is a name, an IPv4 literal, an IPv6 literal without brackets, or {@code *}. */
    public static Address inet(String host, int port) {
        return new Address(null, host, port);
    }

    /**
     * Parses {@code unix:/abs/path}, {@code host:port}, {@code [v6]:port}, {@code *:port}.
     *
     * @throws InvalidValueException naming what is wrong: a relative or too long unix path, a
     *     missing or out-of-range port, an IPv6 literal without brackets, a bad host name
     */
    public static Address parse(String text) {
        if (text.startsWith("unix:")) {
            String path = text.substring("unix:".length());
            checkUnixPath(path, text);
            return unix(path);
        }
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw new InvalidValueException("address", text, EXPECTED);
        }
        String host = text.substring(0, colon);
        String portText = text.substring(colon + 1);
        if (host.startsWith("[")) {
            if (!host.endsWith("]") || host.length() < 3) {
                throw new InvalidValueException("address", text, "an IPv6 address in brackets, such as [::1]:3031");
            }
            host = host.substring(1, host.length() - 1);
            checkIpv6(host, text);
        } else if (host.indexOf(':') >= 0) {
            throw new InvalidValueException("address", text, "an IPv6 address in brackets, such as [::1]:3031");
        } else {
            checkHost(host, text);
        }
        return inet(host, parsePort(portText, text));
    }

    /** Whether this is a unix socket address. */
    public boolean isUnix() {
        return path != null;
    }

    /**
     * Whether this TCP address is reachable from this machine only: {@code localhost}, an IPv4
     * literal in 127.0.0.0/8, or {@code ::1}. Other names count as not: a name that resolves to
     * loopback today may not tomorrow.
     */
    public boolean isLoopback() {
        if (isUnix()) {
            return false;
        }
        return host.equals("localhost") || host.equals("::1") || host.matches("127\\.[0-9]+\\.[0-9]+\\.[0-9]+");
    }

    /** Whether this is a TCP address for every local interface ({@code *} or {@code 0.0.0.0}). */
    public boolean isWildcard() {
        return "*".equals(host) || "0.0.0.0".equals(host);
    }

    /**
     * The address for a socket call. A unix address gives a {@link UnixDomainSocketAddress}; a
     * TCP one an {@link InetSocketAddress} resolved now (a host name that does not resolve gives
     * an unresolved one, which fails at connect or bind with the name in the error). {@code *}
     * gives the wildcard address, which listens on IPv4 and IPv6.
     */
    public SocketAddress toSocketAddress() {
        if (isUnix()) {
            return UnixDomainSocketAddress.of(path);
        }
        if (host.equals("*")) {
            return new InetSocketAddress(port);
        }
        return new InetSocketAddress(host, port);
    }

    /** The text form: {@code unix:/path}, {@code host:port} or {@code [v6]:port}. */
    @Override
    public String toString() {
        if (isUnix()) {
            return "unix:" + path;
        }
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    private static void checkUnixPath(String path, String text) {
        if (!path.startsWith("/")) {
            throw new InvalidValueException("address", text, "an absolute path after unix:, such as unix:/run/gatehouse/app.sock");
        }
        if (path.indexOf('\0') >= 0) {
            throw new InvalidValueException("address", text, "a unix socket path without NUL bytes");
        }
        if (path.getBytes(StandardCharsets.UTF_8).length > MAX_UNIX_PATH_BYTES) {
            throw new InvalidValueException("address", text,
                    "a unix socket path of at most " + MAX_UNIX_PATH_BYTES + " bytes (the kernel's limit)");
        }
    }

    private static int parsePort(String portText, String text) {
        if (portText.isEmpty() || portText.length() > 5 || !portText.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new InvalidValueException("address", text, "a port from 1 to 65535 after the last ':'");
        }
        int port = Integer.parseInt(portText);
        checkPort(port, text);
        return port;
    }

    private static void checkPort(int port, String text) {
        if (port < 1 || port > 65535) {
            throw new InvalidValueException("address", text, "a port from 1 to 65535 after the last ':'");
        }
    }

    private static void checkHost(String host, String text) {
        if (host.equals("*")) {
            return;
        }
        if (host.indexOf(':') >= 0) {
            checkIpv6(host, text);
            return;
        }
        if (!isHostName(host)) {
            throw new InvalidValueException("address", text, "a host name or IP address before the port");
        }
    }

    /**
     * A DNS name (letters, digits, '-' and '_' in dot-separated labels) or an IPv4 dotted quad.
     * A name whose labels are all numbers must be a valid IPv4 address, so {@code 10.0.0.256}
     * fails here rather than in a DNS lookup.
     */
    private static boolean isHostName(String host) {
        if (host.isEmpty() || host.length() > 253) {
            return false;
        }
        String[] labels = host.split("\\.", -1);
        boolean allNumeric = true;
        for (String label : labels) {
            if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")) {
                return false;
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
                if (!ok) {
                    return false;
                }
            }
            allNumeric &= label.chars().allMatch(c -> c >= '0' && c <= '9');
        }
        if (!allNumeric) {
            return true;
        }
        if (labels.length != 4) {
            return false;
        }
        for (String label : labels) {
            if (label.length() > 3 || Integer.parseInt(label) > 255) {
                return false;
            }
        }
        return true;
    }

    private static void checkIpv6(String literal, String text) {
        // getByName parses a string containing ':' as an IPv6 literal and never asks DNS.
        boolean ok = literal.indexOf(':') >= 0 && literal.chars().allMatch(c -> c < 128 && c > ' ');
        if (ok) {
            try {
                InetAddress.getByName(literal);
            } catch (UnknownHostException e) {
                ok = false;
            }
        }
        if (!ok) {
            throw new InvalidValueException("address", text, "a valid IPv6 address in brackets, such as [::1]:3031");
        }
    }
}
