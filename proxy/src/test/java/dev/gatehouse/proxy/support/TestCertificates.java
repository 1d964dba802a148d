package dev.gatehouse.proxy.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Self-signed certificates made by the {@code openssl} CLI (as an operator would), and a TLS
 * client socket that trusts anything, for tests of the TLS listener.
 */
public final class TestCertificates {

    private TestCertificates() {
    }

    /** A certificate and key pair on disk. */
    public record Pair(Path certificate, Path key) {
    }

    /** A self-signed RSA certificate for {@code cn} with these DNS names, in {@code dir}. */
    public static Pair make(Path dir, String cn, String... dnsNames) {
        Path cert = dir.resolve(cn.replace('*', '_') + ".pem");
        Path key = dir.resolve(cn.replace('*', '_') + ".key");
        StringBuilder san = new StringBuilder("subjectAltName=IP:127.0.0.1");
        for (String n : dnsNames) {
            san.append(",DNS:").append(n);
        }
        run(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=" + cn,
                "-addext", san.toString(), "-keyout", key.toString(), "-out", cert.toString()));
        return new Pair(cert, key);
    }

    private static void run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run openssl (install the openssl package)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A connected, handshaken TLS socket to 127.0.0.1:{@code port} offering {@code alpn}, sending SNI {@code sni}. */
    public static SSLSocket connect(int port, String sni, String... alpn) {
        return connect(port, sni, null, alpn);
    }

    /** Like {@link #connect(int, String, String...)}, enabling only {@code protocols} (TLSv1.2, TLSv1.3) when not null. */
    public static SSLSocket connect(int port, String sni, String[] protocols, String... alpn) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new TrustAll()}, new SecureRandom());
            SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
            SSLParameters p = s.getSSLParameters();
            if (sni != null) {
                p.setServerNames(List.of(new SNIHostName(sni)));
            }
            p.setApplicationProtocols(alpn);
            if (protocols != null) {
                p.setProtocols(protocols);
            }
            s.setSSLParameters(p);
            s.setSoTimeout(10_000);
            s.startHandshake();
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The subject CN of the certificate the server sent. */
    public static String peerCommonName(SSLSocket s) {
        try {
            X509Certificate c = (X509Certificate) s.getSession().getPeerCertificates()[0];
            return c.getSubjectX500Principal().getName().replaceFirst("^CN=", "");
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final class TrustAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
