package dev.gatehouse.conf.proxy;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A certificate chain and its private key, both PEM files, checked at load to be readable and to
 * belong together.
 *
 * @param serverNames the SNI names it is served for ({@code example.com}, {@code *.example.com});
 *     empty for a listener's default certificate
 * @param certificate the certificate chain, server certificate first
 * @param privateKey the unencrypted PKCS#8 private key of the server certificate
 */
public record TlsCertificate(List<String> serverNames, Path certificate, Path privateKey) {

    /** Checks for nulls and copies the list. */
    public TlsCertificate {
        serverNames = List.copyOf(serverNames);
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(privateKey, "privateKey");
    }
}
