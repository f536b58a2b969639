/**
 * The node's HTTP API on Pekko HTTP: {@code POST /v1/tenants/{tenant}/recall}, {@code GET /health},
 * {@code GET /metrics}, the adapter routes ({@link dev.engram.node.http.AdapterRoutes}: list, pin,
 * unpin, roll back), key management ({@link dev.engram.node.http.KeyRoutes}) and the audit log
 * ({@link dev.engram.node.http.AuditRoutes}), and the operations console with the routes it needs
 * ({@link dev.engram.node.http.ConsoleRoutes}: {@code /console/}, {@code /v1/whoami}, {@code /v1/events}). Every route but {@code /health} needs an API key
 * ({@link dev.engram.node.http.HttpAccess}: 401 without a valid one, 403 when its role or tenants
 * fall short). Errors are JSON {@code {"error": "...", "field": "..."}} with 400 for a bad request
 * (naming the field), 404 for an unknown route, 405 for a wrong method and 413 for a body too large.
 */
package dev.engram.node.http;
