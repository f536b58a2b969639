package dev.engram.node.http;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Collections;
import java.util.Objects;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * TLS for the node's HTTP API: the server's private key and certificate chain from a PKCS12
 * keystore. The keystore is read (and its password checked) when this is made, so a wrong file or
 * password fails the node's configuration, not its start.
 *
 * <pre>{@code
 * // keytool -genkeypair -alias engram -keyalg EC -groupname secp256r1 -dname CN=engram-1 \
 * //     -ext SAN=dns:engram-1,ip:10.0.0.5 -validity 365 -storetype PKCS12 \
 * //     -keystore engram-1.p12 -storepass:file tls.pass
 * HttpTls tls = HttpTls.fromPasswordFile(Path.of("engram-1.p12"), Path.of("tls.pass"));
 * NodeConfig config = NodeConfig.builder(dataDir).httpHost("0.0.0.0").httpTls(tls).build();
 * }</pre>
 *
 * @param keyStore a PKCS12 file holding one private key entry (its certificate chain is what clients
 *     see); the key's password must be the store's, as {@code keytool} makes PKCS12 files
 * @param password the keystore's password
 */
public record HttpTls(Path keyStore, String password) {

    /** The keystore type read. */
    public static final String KEYSTORE_TYPE = "PKCS12";

    public HttpTls {
        Objects.requireNonNull(keyStore, "httpTls.keyStore is required (a PKCS12 file)");
        Objects.requireNonNull(password, "httpTls.password is required");
        load(keyStore, password);
    }

    /**
     * The keystore {@code keyStore} with the password in {@code passwordFile} (its first line; the
     * file keeps the password out of the command line and the process list).
     *
     * @throws IllegalArgumentException naming the file when it cannot be read or is empty
     */
    public static HttpTls fromPasswordFile(Path keyStore, Path passwordFile) {
        Objects.requireNonNull(passwordFile, "httpTls password file is required");
        String password;
        try {
            password = Files.readString(passwordFile, StandardCharsets.UTF_8)
                    .lines()
                    .findFirst()
                    .orElse("");
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "httpTls: cannot read the keystore password file " + passwordFile + ": " + e.getMessage(), e);
        }
        if (password.isEmpty()) {
            throw new IllegalArgumentException("httpTls: the keystore password file " + passwordFile
                    + " is empty; its first line must be the password of " + keyStore);
        }
        return new HttpTls(keyStore, password);
    }

    /** A server TLS context over the keystore's key (read again, so a renewed file is picked up at the next start). */
    public SSLContext sslContext() {
        KeyStore store = load(keyStore, password);
        try {
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, password.toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    "httpTls.keyStore " + keyStore + ": its key cannot be used for TLS (" + e.getMessage()
                            + "); the key's password must be the store's",
                    e);
        }
    }

    private static KeyStore load(Path file, String password) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("httpTls.keyStore " + file + " is not a file; make one with keytool "
                    + "-genkeypair -storetype PKCS12 (see the README's 'A secured node')");
        }
        KeyStore store;
        try (InputStream in = Files.newInputStream(file)) {
            store = KeyStore.getInstance(KEYSTORE_TYPE);
            store.load(in, password.toCharArray());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    "httpTls.keyStore " + file + " cannot be read as a " + KEYSTORE_TYPE
                            + " keystore with the given password: " + e.getMessage(),
                    e);
        }
        try {
            for (String alias : Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias)) {
                    return store;
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("httpTls.keyStore " + file + ": " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("httpTls.keyStore " + file + " holds no private key, only certificates: "
                + "the node needs its own key and certificate (keytool -genkeypair)");
    }

    /** Never shows the password. */
    @Override
    public String toString() {
        return "HttpTls[" + keyStore + "]";
    }
}
