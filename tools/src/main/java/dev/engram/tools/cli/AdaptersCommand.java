package dev.engram.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code engram adapters list|pin|unpin|rollback}: the operators' view of a running node's
 * adapters (HTTP API), and the controls that steer what serves.
 *
 * <pre>
 * engram adapters list     [--node URL] [--key-file FILE] [NAME] [--json]
 * engram adapters pin      NAME VERSION [--reason TEXT] [--node URL] [--key-file FILE]
 * engram adapters unpin    NAME [--reason TEXT] [--node URL] [--key-file FILE]
 * engram adapters rollback NAME VERSION [--reason TEXT] [--node URL] [--key-file FILE]
 * </pre>
 *
 * <p>Listing needs a reader's key, the controls an operator's; the node records the key's principal
 * as the control's operator and in its audit log ({@code engram audit}).
 */
@Command(name = "adapters", mixinStandardHelpOptions = true,
        header = "List a node's adapter versions, and pin, unpin or roll one back.",
        description = {"List a node's adapter versions (status, gate metrics, reason), and pin, unpin or roll back.",
            "Controls go onto engram.adapters, so every node applies them and they survive restarts."},
        subcommands = {AdaptersCommand.ListVersions.class, AdaptersCommand.Pin.class, AdaptersCommand.Unpin.class,
            AdaptersCommand.Rollback.class})
final class AdaptersCommand implements Runnable {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Where the node is and which key to send, shared by the subcommands. */
    static final class NodeOption {
        @Mixin
        NodeAccess access;

        @Option(names = "--json", description = "Print the raw JSON answer.")
        boolean json;

        String base() {
            return access.baseUrl();
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List adapters and their versions.")
    static final class ListVersions implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        NodeOption node;
        @Parameters(arity = "0..1", paramLabel = "NAME", description = "Only this adapter.")
        String name;

        @Override
        public Integer call() throws Exception {
            String path = name == null ? "/v1/adapters" : "/v1/adapters/" + encode(name);
            return send(spec, node, path, null, body -> {
                PrintWriter out = spec.commandLine().getOut();
                JsonNode adapters = name == null ? body.path("adapters") : JSON.createArrayNode().add(body);
                if (adapters.isEmpty()) {
                    out.println("no adapters on this node yet");
                }
                adapters.forEach(a -> print(out, a));
                JsonNode gate = body.path("gate");
                if (gate.has("minHeldOutGain")) {
                    out.printf(Locale.ROOT, "gate on this node: held-out nDCG@10 gain >= %.4f, retention loss <= %.4f%n",
                            gate.path("minHeldOutGain").asDouble(), gate.path("maxRetentionLoss").asDouble());
                }
            });
        }
    }

    @Command(name = "pin", mixinStandardHelpOptions = true,
            description = "Serve VERSION of NAME whatever is promoted later, until unpinned.")
    static final class Pin implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        NodeOption node;
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
        @Parameters(index = "1", paramLabel = "VERSION")
        long version;
        @Option(names = "--reason", defaultValue = "", paramLabel = "TEXT")
        String reason;

        @Override
        public Integer call() throws Exception {
            return control(spec, node, name, "pin", version, reason);
        }
    }

    @Command(name = "unpin", mixinStandardHelpOptions = true, description = "Serve the newest promoted version again.")
    static final class Unpin implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        NodeOption node;
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
        @Option(names = "--reason", defaultValue = "", paramLabel = "TEXT")
        String reason;

        @Override
        public Integer call() throws Exception {
            return control(spec, node, name, "unpin", null, reason);
        }
    }

    @Command(name = "rollback", mixinStandardHelpOptions = true,
            description = "Serve VERSION (below the one serving) until a newer version is promoted.")
    static final class Rollback implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        NodeOption node;
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
        @Parameters(index = "1", paramLabel = "VERSION")
        long version;
        @Option(names = "--reason", defaultValue = "", paramLabel = "TEXT")
        String reason;

        @Override
        public Integer call() throws Exception {
            return control(spec, node, name, "rollback", version, reason);
        }
    }

    private static int control(CommandSpec spec, NodeOption node, String name, String action, Long version,
            String reason) throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        if (version != null) {
            body.put("version", version);
        }
        body.put("reason", reason);
        return send(spec, node, "/v1/adapters/" + encode(name) + "/" + action, JSON.writeValueAsString(body), answer -> {
            PrintWriter out = spec.commandLine().getOut();
            if (answer.has("serving")) {
                out.println(action + " " + name + ": serving " + answer.path("serving").asText());
                print(out, answer);
            } else {
                out.println(action + " " + name + ": accepted (" + answer + ")");
            }
        });
    }

    private interface BodyPrinter {
        void print(JsonNode body) throws IOException;
    }

    private static int send(CommandSpec spec, NodeOption node, String path, String body, BodyPrinter printer)
            throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String base = node.base();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
        request = body == null ? request.GET() : request.header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        Optional<String> key = node.access.apiKey();
        if (key.isPresent()) {
            request.header("Authorization", "Bearer " + key.get());
        }
        HttpResponse<String> response;
        try {
            response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
                    .send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            err.println("engram adapters: no node answering at " + base
                    + " (start one with './engram serve', or pass --node URL)");
            err.flush();
            return 3;
        }
        if (response.statusCode() / 100 != 2) {
            err.println("engram adapters: " + describeError(response)
                    + (response.statusCode() == 401 ? "; " + node.access.keyHint() : ""));
            err.flush();
            return response.statusCode() >= 500 ? 1 : 2;
        }
        if (node.json) {
            out.println(response.body());
        } else {
            printer.print(response.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(response.body()));
        }
        out.flush();
        return 0;
    }

    private static void print(PrintWriter out, JsonNode a) {
        out.println(a.path("name").asText() + " (tenant " + a.path("tenant").asText() + "): serving "
                + a.path("serving").asText("?"));
        JsonNode control = a.path("control");
        if (control.isObject()) {
            out.println("  control: " + control.path("action").asText()
                    + (control.path("version").isNumber() ? " v" + control.path("version").asLong() : "")
                    + " by " + control.path("operator").asText()
                    + (control.path("reason").asText("").isEmpty() ? "" : " (" + control.path("reason").asText() + ")")
                    + (control.path("note").asText("").isEmpty() ? "" : " — " + control.path("note").asText()));
        }
        for (JsonNode v : a.path("versions")) {
            JsonNode m = v.path("metrics");
            out.println(String.format(Locale.ROOT, "  %s v%-4d %-9s held-out %.4f -> %.4f  %s%s",
                    v.path("serving").asBoolean() ? "*" : " ", v.path("version").asLong(), v.path("status").asText(),
                    m.path("parentHeldOutNdcg10").asDouble(), m.path("heldOutNdcg10").asDouble(),
                    v.path("reason").asText(""), v.path("decidedBy").isMissingNode() ? ""
                            : " [" + v.path("decidedBy").asText() + "]"));
        }
        for (JsonNode r : a.path("rejections")) {
            out.println("  ! " + r.path("key").asText() + " @" + r.path("offset").asLong() + ": " + r.path("reason").asText());
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String describeError(HttpResponse<String> response) {
        try {
            JsonNode error = JSON.readTree(response.body());
            String field = error.path("field").asText(null);
            return error.path("error").asText(response.body()) + (field == null ? "" : " [field: " + field + "]")
                    + " (HTTP " + response.statusCode() + ")";
        } catch (IOException e) {
            return "HTTP " + response.statusCode() + ": " + response.body();
        }
    }
}
