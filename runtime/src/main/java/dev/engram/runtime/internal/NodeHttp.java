package dev.engram.runtime.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.engram.runtime.EngramApiException;
import dev.engram.runtime.RecallResponse;
import dev.engram.streams.EventCodec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Calls to the node's HTTP API with the JDK's client: JSON in, JSON out, errors as {@link EngramApiException}. */
public final class NodeHttp {

  private static final ObjectMapper JSON = EventCodec.mapper();

  private final URI nodeUrl;
  private final Duration timeout;
  private final HttpClient http;

  public NodeHttp(URI nodeUrl, Duration timeout) {
    this.nodeUrl = nodeUrl;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  /** {@code POST /v1/tenants/{tenant}/recall} with {@code {"task", "k"}}. */
  public RecallResponse recall(String tenant, String task, int k) {
    URI uri = nodeUrl.resolve("/v1/tenants/" + tenant + "/recall");
    byte[] body;
    try {
      body = JSON.writeValueAsBytes(JSON.createObjectNode().put("task", task).put("k", k));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("could not write a recall request", e);
    }
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout)
        .header("Content-Type", "application/json").header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    HttpResponse<byte[]> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new EngramApiException(uri, -1, e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()), null, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EngramApiException(uri, -1, "interrupted while waiting for the node", null, e);
    }
    if (response.statusCode() != 200) {
      throw error(uri, response);
    }
    try {
      return JSON.readValue(response.body(), RecallResponse.class);
    } catch (IOException e) {
      throw new EngramApiException(uri, response.statusCode(), "the node's answer is not a recall response ("
          + e.getMessage() + "): " + preview(response.body()), null, e);
    }
  }

  /** {@code GET /v1/adapters}: every adapter the node knows, with its versions and the serving one. */
  public JsonNode adapters() {
    URI uri = nodeUrl.resolve("/v1/adapters");
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json").GET()
        .build();
    HttpResponse<byte[]> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new EngramApiException(uri, -1, e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()), null, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EngramApiException(uri, -1, "interrupted while waiting for the node", null, e);
    }
    if (response.statusCode() != 200) {
      throw error(uri, response);
    }
    try {
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new EngramApiException(uri, response.statusCode(), "the node's answer is not JSON (" + e.getMessage()
          + "): " + preview(response.body()), null, e);
    }
  }

  /** The node's address. */
  public URI url() {
    return nodeUrl;
  }

  private static EngramApiException error(URI uri, HttpResponse<byte[]> response) {
    String message = null;
    String field = null;
    try {
      JsonNode error = JSON.readTree(response.body());
      if (error != null && error.hasNonNull("error")) {
        message = error.get("error").asText();
        field = error.hasNonNull("field") ? error.get("field").asText() : null;
      }
    } catch (IOException notJson) {
      // Not the node's error body (a proxy's page, say): show the body itself.
    }
    if (message == null) {
      message = preview(response.body());
    }
    return new EngramApiException(uri, response.statusCode(), message, field, null);
  }

  private static String preview(byte[] body) {
    String text = new String(body, StandardCharsets.UTF_8).strip();
    if (text.isEmpty()) {
      return "(empty body)";
    }
    return text.length() <= 300 ? text : text.substring(0, 297) + "...";
  }
}
