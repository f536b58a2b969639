package dev.engram.tools.cli;

import dev.engram.node.NodeConfig;
import dev.engram.node.auth.ApiKeys;
import dev.engram.runtime.EngramApiException;
import dev.engram.runtime.EngramClient;
import dev.engram.runtime.InvalidRequestException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * Which node a command talks to and with which API key: the options {@code --node}, {@code --data}
 * and {@code --key-file} that {@code recall}, {@code adapters}, {@code keys} and {@code audit} share.
 *
 * <p>The key is, in this order: the file {@code --key-file} names; the environment variable
 * {@value #KEY_ENV}; the admin key in {@code DATA/admin.key}. The last is sent only to the node
 * that runs on that data directory ({@code DATA/node.json}'s URL) or to a loopback address, so a
 * local admin key never goes to a remote node by accident.
 */
final class NodeAccess {

    /** The environment variable that holds an API key. */
    static final String KEY_ENV = "ENGRAM_API_KEY";

    /** How long one call to the node may take: a first recall on a cold node embeds and opens indexes. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    @Option(
            names = "--node",
            paramLabel = "URL",
            description = "The node's HTTP API; default: the node running in --data, else http://localhost:"
                    + NodeConfig.DEFAULT_HTTP_PORT)
    String node;

    @Option(
            names = "--data",
            defaultValue = ".engram",
            paramLabel = "DIR",
            description = "Data directory of a local node, to find its URL and its admin key (default: "
                    + "${DEFAULT-VALUE}).")
    Path data;

    @Option(
            names = "--key-file",
            paramLabel = "FILE",
            description = {
                "File holding the API key to send. Default: $" + KEY_ENV + ", else the local node's",
                "DATA/admin.key (sent only to that node or to a loopback address)."
            })
    Path keyFile;

    @Option(
            names = "--tls-truststore",
            paramLabel = "FILE",
            description = {
                "For an https:// node: the PKCS12 trust store holding its certificate (or its CA's).",
                "Default: the JDK's trusted CAs. Its password: --tls-truststore-password-file."
            })
    Path trustStore;

    @Option(
            names = "--tls-truststore-password-file",
            paramLabel = "FILE",
            description = "File whose first line is the --tls-truststore's password.")
    Path trustStorePasswordFile;

    /** The node's base URL, without a trailing slash. */
    String baseUrl() {
        String base = node != null
                ? node
                : runningNode().map(NodeInfo::httpUrl).orElse("http://localhost:" + NodeConfig.DEFAULT_HTTP_PORT);
        return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    /** The key to send, if any; see the class comment for where it comes from. */
    Optional<String> apiKey() {
        if (keyFile != null) {
            try {
                String key = Files.readString(keyFile, StandardCharsets.UTF_8).strip();
                if (key.isEmpty()) {
                    throw new IllegalArgumentException("--key-file " + keyFile + " is empty");
                }
                return Optional.of(key);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read --key-file " + keyFile + ": " + e.getMessage(), e);
            }
        }
        String env = System.getenv(KEY_ENV);
        if (env != null && !env.isBlank()) {
            return Optional.of(env.strip());
        }
        String base = baseUrl();
        boolean ownNode = runningNode()
                .map(info -> stripSlash(info.httpUrl()).equals(base))
                .orElse(false);
        return ownNode || loopback(base) ? ApiKeys.readAdminKey(data) : Optional.empty();
    }

    /**
     * A client of the node this command talks to, with the key to send ({@link #apiKey()}); the CLI
     * calls the node through the SDK alone, so every route it uses is one the SDK offers.
     */
    EngramClient client() {
        EngramClient.Builder client = EngramClient.builder()
                .nodeUrl(URI.create(baseUrl()))
                .apiKey(apiKey().orElse(null))
                .agentId("engram-cli")
                .requestTimeout(REQUEST_TIMEOUT);
        if (trustStore != null) {
            client.trustStore(trustStore, trustStorePassword());
        }
        return client.build();
    }

    private char[] trustStorePassword() {
        if (trustStorePasswordFile == null) {
            throw new IllegalArgumentException(
                    "--tls-truststore needs --tls-truststore-password-file (a file whose first line is its password)");
        }
        try {
            return Files.readString(trustStorePasswordFile, StandardCharsets.UTF_8)
                    .lines()
                    .findFirst()
                    .orElse("")
                    .toCharArray();
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot read --tls-truststore-password-file " + trustStorePasswordFile + ": " + e.getMessage(), e);
        }
    }

    /** Tells the user which argument the SDK would not send to the node, and why; exit code 2. */
    int fail(CommandSpec spec, InvalidRequestException refused) {
        PrintWriter err = spec.commandLine().getErr();
        err.println(spec.qualifiedName() + ": " + refused.field() + " " + refused.reason() + " [field: "
                + refused.field() + "]");
        err.flush();
        return 2;
    }

    /**
     * Tells the user why a call to the node failed, on the command's error stream, and returns the
     * exit code: 3 when no node answered, 1 for the node's own failures (5xx), 2 for a request it
     * refused (4xx: the node's message, the field at fault, and how to send a key after a 401).
     */
    int fail(CommandSpec spec, EngramApiException e) {
        PrintWriter err = spec.commandLine().getErr();
        if (e.status() == -1 && e.getCause() instanceof javax.net.ssl.SSLException) {
            err.println(spec.qualifiedName() + ": no TLS connection to " + baseUrl() + " (" + e.nodeMessage()
                    + (trustStore == null
                            ? "; for a node with its own certificate pass --tls-truststore FILE holding it)"
                            : "; is its certificate in --tls-truststore " + trustStore + "?)"));
        } else if (e.status() == -1) {
            err.println(spec.qualifiedName() + ": no node answering at " + baseUrl() + " (" + e.nodeMessage()
                    + "; start one with './engram serve', or pass --node URL)");
        } else {
            err.println(spec.qualifiedName() + ": " + e.nodeMessage()
                    + (e.field() == null ? "" : " [field: " + e.field() + "]") + " (HTTP " + e.status() + ")"
                    + (e.status() == 401 ? "; " + keyHint() : ""));
        }
        err.flush();
        return e.status() == -1 ? 3 : e.status() >= 500 ? 1 : 2;
    }

    /** What to tell a user whose call was refused with 401. */
    String keyHint() {
        return "pass --key-file FILE or set " + KEY_ENV + " (a local node's admin key is in "
                + data.resolve(ApiKeys.ADMIN_KEY_FILE) + ")";
    }

    /** The node that {@code DATA/node.json} names, while its process is alive. */
    Optional<NodeInfo> runningNode() {
        return NodeInfo.read(data)
                .filter(info -> info.pid() <= 0
                        || ProcessHandle.of(info.pid())
                                .map(ProcessHandle::isAlive)
                                .orElse(false));
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private static boolean loopback(String url) {
        try {
            String host = URI.create(url).getHost();
            return host != null && InetAddress.getByName(host).isLoopbackAddress();
        } catch (IllegalArgumentException | UnknownHostException e) {
            return false;
        }
    }
}
