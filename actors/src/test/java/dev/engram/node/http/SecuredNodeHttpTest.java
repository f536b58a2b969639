package dev.engram.node.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.engram.node.EngramNode;
import dev.engram.node.NodeConfig;
import dev.engram.node.testing.HttpCalls;
import dev.engram.node.testing.SharedKafka;
import dev.engram.node.testing.TestIds;
import dev.engram.node.testing.TlsFiles;
import dev.engram.node.tuning.TuningSchedulerConfig;
import dev.engram.runtime.EngramApiException;
import dev.engram.runtime.EngramClient;
import dev.engram.runtime.NodeHealth;
import dev.engram.streams.RecallResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node's HTTP API as a secured node runs it. TLS: the keystore is made here with the JDK's own
 * {@code keytool}; the SDK that trusts the node's certificate gets answers, a plaintext request to
 * the TLS port gets none, and an SDK that does not trust the certificate is refused by its own TLS
 * check. Failed authentication: a client address that keeps sending wrong keys is answered 429 with
 * {@code Retry-After}, while a valid key from the same address is served.
 */
class SecuredNodeHttpTest {

    private static final int MAX_FAILED_AUTH = 5;

    @TempDir
    static Path dir;

    private static TlsFiles tls;
    private static Path keyStore;
    private static Path passwordFile;
    private static Path trustStore;
    private static EngramNode node;
    private static String adminKey;

    @BeforeAll
    static void nodeWithTls() {
        tls = TlsFiles.generate(dir);
        keyStore = tls.keyStore();
        passwordFile = tls.passwordFile();
        trustStore = tls.trustStore();
        node = EngramNode.start(NodeConfig.builder(dir.resolve("node"))
                .bootstrapServers(SharedKafka.bootstrapServers())
                .groupId(TestIds.unique("tls"))
                .httpPort(0)
                .tuning(TuningSchedulerConfig.disabled())
                .httpTls(keyStore, passwordFile)
                .maxFailedAuthPerMinute(MAX_FAILED_AUTH)
                .build());
        adminKey = node.localAdminKey().orElseThrow();
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void theSdkThatTrustsTheNodesCertificateCallsItOverTls() {
        assertThat(node.httpUrl()).startsWith("https://127.0.0.1:");
        try (EngramClient sdk = client().trustStore(
                        trustStore, tls.trustStorePassword().toCharArray())
                .build()) {
            NodeHealth health = sdk.health();
            assertThat(health.status()).isIn(NodeHealth.UP, NodeHealth.DEGRADED);
            assertThat(health.consumer())
                    .as("the whole report: the key went over TLS")
                    .isNotNull();
            RecallResponse recall = sdk.recall(TestIds.unique("tls"), "a task nobody has done", 5);
            assertThat(recall.positives()).isEmpty();
            assertThat(sdk.admin().keys()).isNotEmpty();
        }
    }

    @Test
    void aPlaintextRequestToTheTlsPortGetsNoHttpAnswer() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", node.httpPort())) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + adminKey + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] answer = readUntilClosed(socket.getInputStream());
            assertThat(new String(answer, StandardCharsets.ISO_8859_1))
                    .as("what a plaintext client got back from the TLS port")
                    .doesNotContain("HTTP/1.1")
                    .doesNotContain("status");
        }
        try (EngramClient plain = EngramClient.builder()
                .nodeUrl(URI.create("http://127.0.0.1:" + node.httpPort()))
                .apiKey(adminKey)
                .agentId("tls-test")
                .requestTimeout(Duration.ofSeconds(20))
                .build()) {
            assertThatThrownBy(plain::health)
                    .isInstanceOf(EngramApiException.class)
                    .satisfies(e -> assertThat(((EngramApiException) e).status())
                            .as("no HTTP status: no answer")
                            .isEqualTo(-1));
        }
    }

    @Test
    void anSdkThatDoesNotTrustTheCertificateIsRefusedByItsOwnCheck() {
        try (EngramClient untrusting = client().build()) {
            assertThatThrownBy(untrusting::health)
                    .isInstanceOf(EngramApiException.class)
                    .satisfies(
                            e -> assertThat(((EngramApiException) e).status()).isEqualTo(-1))
                    .hasMessageContaining("SSLHandshakeException");
        }
    }

    @Test
    void aWrongPasswordOrAKeylessStoreFailsTheConfigurationNamingTheFile() throws IOException {
        Path wrong = dir.resolve("wrong.pass");
        Files.writeString(wrong, "not-the-password\n");
        assertThatThrownBy(() -> HttpTls.fromPasswordFile(keyStore, wrong))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(keyStore.toString())
                .hasMessageContaining("password");
        assertThatThrownBy(() -> new HttpTls(trustStore, tls.trustStorePassword()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(trustStore.toString())
                .hasMessageContaining("no private key");
        assertThatThrownBy(() -> HttpTls.fromPasswordFile(keyStore, dir.resolve("missing.pass")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing.pass");
        assertThat(new HttpTls(keyStore, tls.keyStorePassword()).toString()).doesNotContain(tls.keyStorePassword());
    }

    @Test
    void manyWrongKeysFromOneAddressAre429WithRetryAfterWhileAValidKeyStillWorks() {
        String wrongKey = "egk_000000000000_" + "x".repeat(43);
        try (EngramClient wrong = client().apiKey(wrongKey)
                        .trustStore(trustStore, tls.trustStorePassword().toCharArray())
                        .build();
                EngramClient valid = client().trustStore(
                                trustStore, tls.trustStorePassword().toCharArray())
                        .build();
                EngramClient keyless = client().apiKey(null)
                        .trustStore(trustStore, tls.trustStorePassword().toCharArray())
                        .build()) {
            for (int i = 1; i <= MAX_FAILED_AUTH; i++) {
                assertThatThrownBy(() -> wrong.admin().keys())
                        .as("wrong key #%d", i)
                        .isInstanceOfSatisfying(
                                EngramApiException.class,
                                e -> assertThat(e.status()).isEqualTo(401));
            }
            assertThatThrownBy(() -> wrong.admin().keys())
                    .as("one wrong key too many")
                    .isInstanceOfSatisfying(EngramApiException.class, e -> {
                        assertThat(e.status()).isEqualTo(429);
                        assertThat(e.field()).isEqualTo("Authorization");
                        assertThat(e.nodeMessage()).contains("too many", "try again in");
                    });
            assertThat(valid.admin().keys())
                    .as("a valid key from the same address")
                    .isNotEmpty();
            assertThatThrownBy(() -> keyless.admin().keys())
                    .as("no key at all is not a guess: still 401")
                    .isInstanceOfSatisfying(
                            EngramApiException.class,
                            e -> assertThat(e.status()).isEqualTo(401));
        }
        HttpCalls.Answer raw = HttpCalls.as(wrongKey, tlsContext()).get(node.httpUrl() + "/v1/keys");
        assertThat(raw.status()).isEqualTo(429);
        assertThat(raw.header("Retry-After"))
                .hasValueSatisfying(v -> assertThat(Integer.parseInt(v)).isBetween(1, 60));
    }

    private static javax.net.ssl.SSLContext tlsContext() {
        try (java.io.InputStream in = Files.newInputStream(trustStore)) {
            java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
            store.load(in, tls.trustStorePassword().toCharArray());
            javax.net.ssl.TrustManagerFactory trust = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static EngramClient.Builder client() {
        return EngramClient.builder()
                .nodeUrl(URI.create(node.httpUrl()))
                .apiKey(adminKey)
                .agentId("tls-test")
                .requestTimeout(Duration.ofSeconds(20));
    }

    private static byte[] readUntilClosed(InputStream in) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                bytes.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the TLS port neither answered nor closed a plaintext request in 20 s", e);
        } catch (IOException e) {
            // reset by the server: no answer, as expected
        }
        return bytes.toByteArray();
    }
}
