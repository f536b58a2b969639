package dev.engram.runtime.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** TLS client contexts that trust the certificates of a trust store (a node's own, or its CA's). */
public final class TrustStores {

    private TrustStores() {}

    /**
     * A context that trusts the certificates in {@code file}, a PKCS12 (or JKS) trust store opened
     * with {@code password}.
     *
     * @throws IllegalArgumentException naming the file when it cannot be read or holds no certificate
     */
    public static SSLContext sslContext(Path file, char[] password) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("trustStore: " + file + " is not a file (a PKCS12 trust store "
                    + "holding the node's certificate or its CA's, e.g. made with keytool -importcert)");
        }
        KeyStore store;
        try (InputStream in = Files.newInputStream(file)) {
            store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(in, password);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    "trustStore: " + file + " cannot be read with the given password: " + e.getMessage(), e);
        }
        try {
            if (store.size() == 0) {
                throw new IllegalArgumentException("trustStore: " + file + " holds no certificate");
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("trustStore: " + file + ": " + e.getMessage(), e);
        }
    }
}
