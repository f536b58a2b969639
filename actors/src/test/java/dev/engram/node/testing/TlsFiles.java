package dev.engram.node.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A node's TLS files, made with the JDK's own {@code keytool} (no dependency): a PKCS12 keystore
 * with a key and a self-signed certificate for {@code 127.0.0.1}/{@code localhost}, its password
 * file, and a client's PKCS12 trust store holding that certificate, with its password file.
 */
public record TlsFiles(
        Path keyStore,
        String keyStorePassword,
        Path passwordFile,
        Path trustStore,
        String trustStorePassword,
        Path trustPasswordFile) {

    /** Makes the files in {@code dir}. */
    public static TlsFiles generate(Path dir) {
        String storePassword = "node-store-secret";
        String trustPassword = "trust-store-secret";
        TlsFiles files = new TlsFiles(
                dir.resolve("node.p12"),
                storePassword,
                dir.resolve("node.pass"),
                dir.resolve("trust.p12"),
                trustPassword,
                dir.resolve("trust.pass"));
        Path certificate = dir.resolve("node.crt");
        try {
            Files.createDirectories(dir);
            Files.writeString(files.passwordFile, storePassword + "\n");
            Files.writeString(files.trustPasswordFile, trustPassword + "\n");
            keytool(
                    "-genkeypair",
                    "-alias",
                    "engram",
                    "-keyalg",
                    "EC",
                    "-groupname",
                    "secp256r1",
                    "-dname",
                    "CN=localhost",
                    "-ext",
                    "SAN=ip:127.0.0.1,dns:localhost",
                    "-validity",
                    "2",
                    "-storetype",
                    "PKCS12",
                    "-keystore",
                    files.keyStore.toString(),
                    "-storepass",
                    storePassword);
            keytool(
                    "-exportcert",
                    "-rfc",
                    "-alias",
                    "engram",
                    "-keystore",
                    files.keyStore.toString(),
                    "-storepass",
                    storePassword,
                    "-file",
                    certificate.toString());
            keytool(
                    "-importcert",
                    "-noprompt",
                    "-alias",
                    "engram-node",
                    "-file",
                    certificate.toString(),
                    "-storetype",
                    "PKCS12",
                    "-keystore",
                    files.trustStore.toString(),
                    "-storepass",
                    trustPassword);
        } catch (IOException e) {
            throw new AssertionError("could not make the TLS files in " + dir + ": " + e, e);
        }
        return files;
    }

    private static void keytool(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new AssertionError("keytool " + String.join(" ", args) + " failed:\n" + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running keytool", e);
        }
    }
}
