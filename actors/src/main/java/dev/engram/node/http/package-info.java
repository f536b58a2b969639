/**
 * The node's HTTP API on Pekko HTTP: {@code POST /v1/tenants/{tenant}/recall}, {@code GET /health},
 * {@code GET /metrics}, and the adapter routes ({@link dev.engram.node.http.AdapterRoutes}: list, pin,
 * unpin, roll back). Errors are JSON {@code {"error": "...", "field": "..."}} with 400 for a bad
 * request (naming the field), 404 for an unknown route and 405 for a wrong method.
 */
package dev.engram.node.http;
