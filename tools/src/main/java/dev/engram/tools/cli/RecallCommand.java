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
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code engram recall --tenant T TEXT}: asks a running node for the useful cases for a task. */
@Command(name = "recall", mixinStandardHelpOptions = true,
        header = "Recall the most useful past cases of a tenant for a task from a running node.",
        description = {
            "Recall the most useful past cases of a tenant for a task from a running node (HTTP API),",
            "split into positives (worth repeating) and negatives (what not to do)."})
final class RecallCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--tenant", required = true, paramLabel = "TENANT", description = "Whose cases to search.")
    String tenant;

    @Option(names = "--k", defaultValue = "10", paramLabel = "K", description = "How many cases (default: ${DEFAULT-VALUE}).")
    int k;

    @Mixin
    NodeAccess access;

    @Option(names = "--json", description = "Print the raw JSON answer.")
    boolean json;

    @Parameters(arity = "1..*", paramLabel = "TEXT", description = "The task text (several words are joined).")
    List<String> words;

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String base = access.baseUrl();
        URI uri = URI.create(base + "/v1/tenants/" + URLEncoder.encode(tenant, StandardCharsets.UTF_8) + "/recall");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("task", String.join(" ", words));
        body.put("k", k);
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
        access.apiKey().ifPresent(key -> request.header("Authorization", "Bearer " + key));
        HttpResponse<String> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            err.println("engram recall: no node answering at " + base
                    + " (start one with './engram serve', or pass --node URL)");
            return 3;
        }
        if (response.statusCode() != 200) {
            err.println("engram recall: " + describeError(response)
                    + (response.statusCode() == 401 ? "; " + access.keyHint() : ""));
            return response.statusCode() >= 500 ? 1 : 2;
        }
        if (json) {
            out.println(response.body());
        } else {
            RecallPrinter.print(out, JSON.readTree(response.body()));
        }
        out.flush();
        return 0;
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
