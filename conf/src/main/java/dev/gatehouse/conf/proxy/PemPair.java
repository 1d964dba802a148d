package dev.gatehouse.conf.proxy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;

/**
 * Checks, at load, that a certificate file and a key file are readable PEM and belong together,
 * so that a wrong file fails the start (or the reload) with the key path named, rather than
 * every TLS handshake later. Plain JDK: the check must not depend on the TLS provider the proxy
 * picks. The key must be unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY}), the form Netty reads
 * without BouncyCastle and what {@code openssl genpkey}, {@code openssl req -newkey} and
 * certbot write.
 */
final class PemPair {

    private static final String PKCS8_BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String PKCS8_END = "-----END PRIVATE KEY-----";

    private PemPair() {
    }

    /** A problem with one of the two files, phrased as what was expected. */
    record Problem(boolean inKey, String expected) {
    }

    /** Null when both files are fine and belong together, else what is wrong and in which file. */
    static Problem check(Path certificate, Path key, String certificateKeyPath) {
        PublicKey publicKey;
        try {
            publicKey = readCertificate(certificate);
        } catch (IOException e) {
            return new Problem(false, "a readable PEM certificate file (" + reason(e) + ")");
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return new Problem(false, "a PEM certificate chain (-----BEGIN CERTIFICATE-----), server certificate first");
        }
        String text;
        try {
            text = Files.readString(key, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return new Problem(true, "a readable PEM private key file (" + reason(e) + ")");
        }
        int begin = text.indexOf(PKCS8_BEGIN);
        int end = text.indexOf(PKCS8_END);
        if (begin < 0 || end < begin) {
            String convert = "; convert it with openssl pkcs8 -topk8 -nocrypt -in " + key + " -out key.pk8.pem";
            if (text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
                return new Problem(true, "an unencrypted private key (the proxy starts unattended)"
                        + "; decrypt it with openssl pkcs8 -in " + key + " -out key.pk8.pem");
            }
            if (text.contains("-----BEGIN RSA PRIVATE KEY-----") || text.contains("-----BEGIN EC PRIVATE KEY-----")) {
                return new Problem(true, "a PKCS#8 private key (-----BEGIN PRIVATE KEY-----), not PKCS#1/SEC1" + convert);
            }
            return new Problem(true, "a PEM private key (-----BEGIN PRIVATE KEY-----)");
        }
        PrivateKey privateKey;
        try {
            byte[] der = Base64.getMimeDecoder().decode(text.substring(begin + PKCS8_BEGIN.length(), end));
            privateKey = KeyFactory.getInstance(publicKey.getAlgorithm()).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return new Problem(true, "the " + publicKey.getAlgorithm() + " private key of " + certificateKeyPath
                    + " (this file holds no such key)");
        }
        if (!matches(publicKey, privateKey)) {
            return new Problem(true, "the private key of " + certificateKeyPath
                    + " (this key belongs to another certificate)");
        }
        return null;
    }

    private static PublicKey readCertificate(Path file) throws IOException, GeneralSecurityException {
        byte[] pem = Files.readAllBytes(file);
        if (!new String(pem, StandardCharsets.ISO_8859_1).contains("-----BEGIN CERTIFICATE-----")) {
            throw new GeneralSecurityException("no PEM certificate");
        }
        Collection<? extends Certificate> chain =
                CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem));
        if (chain.isEmpty()) {
            throw new GeneralSecurityException("no certificate");
        }
        return chain.iterator().next().getPublicKey();
    }

    private static boolean matches(PublicKey publicKey, PrivateKey privateKey) {
        if (publicKey instanceof RSAPublicKey pub && privateKey instanceof RSAPrivateKey priv) {
            return pub.getModulus().equals(priv.getModulus());
        }
        // Other key types (EC, Ed25519): a signature made with the key verifies with the certificate's key.
        String algorithm = switch (publicKey.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "Ed448" -> "Ed448";
            default -> null;
        };
        if (algorithm == null) {
            return true; // nothing to compare with: the TLS provider checks it at the first handshake
        }
        try {
            byte[] probe = "gatehouse key check".getBytes(StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance(algorithm);
            s.initSign(privateKey);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(algorithm);
            v.initVerify(publicKey);
            v.update(probe);
            return v.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static String reason(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage();
    }
}
