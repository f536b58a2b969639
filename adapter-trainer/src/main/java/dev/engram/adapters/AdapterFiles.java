package dev.engram.adapters;

import dev.engram.adapters.internal.AdapterPayload;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/** The files of a PEFT adapter directory, and the checksum that publication carries. */
public final class AdapterFiles {

    /** {@value} */
    public static final String CONFIG_FILE = AdapterPayload.CONFIG_FILE;
    /** {@value} */
    public static final String WEIGHTS_FILE = AdapterPayload.WEIGHTS_FILE;
    /** The payload's files, in the order the checksum covers them. */
    public static final List<String> PAYLOAD_FILES = List.of(CONFIG_FILE, WEIGHTS_FILE);

    private AdapterFiles() {}

    /**
     * SHA-256 (lower-case hex) of an adapter directory's payload: for each of
     * {@link #PAYLOAD_FILES} in order, its name (UTF-8), a 0 byte, its length as 8 bytes
     * big-endian, then its bytes. Two directories with the same files give the same checksum.
     */
    public static String payloadSha256(Path dir) throws IOException {
        MessageDigest digest = sha256();
        for (String name : PAYLOAD_FILES) {
            byte[] bytes = Files.readAllBytes(dir.resolve(name));
            digest.update(name.getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            long n = bytes.length;
            for (int shift = 56; shift >= 0; shift -= 8) {
                digest.update((byte) (n >>> shift));
            }
            digest.update(bytes);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** SHA-256 (lower-case hex) of one file's bytes. */
    public static String sha256(Path file) throws IOException {
        return HexFormat.of().formatHex(sha256().digest(Files.readAllBytes(file)));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }
}
