package dev.gatehouse.conf.proxy;

import java.util.List;
import java.util.Objects;

/**
 * The certificates of a TLS listener.
 *
 * @param defaultCertificate served to clients whose SNI name matches no other certificate (or
 *     who send none); its {@code serverNames} are empty
 * @param sniCertificates certificates chosen by the client's SNI name, in file order
 */
public record ListenTls(TlsCertificate defaultCertificate, List<TlsCertificate> sniCertificates) {

    /** Checks for nulls and copies the list. */
    public ListenTls {
        Objects.requireNonNull(defaultCertificate, "defaultCertificate");
        sniCertificates = List.copyOf(sniCertificates);
    }
}
