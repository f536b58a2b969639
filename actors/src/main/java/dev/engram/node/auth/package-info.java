/**
 * Who may do what on a node's HTTP API: API keys ({@link dev.engram.node.auth.ApiKeys}, stored
 * hashed in {@code DATA/keys.json}), each naming a {@link dev.engram.node.auth.Principal} with a
 * {@link dev.engram.node.auth.Role} and a {@link dev.engram.node.auth.TenantScope}; and the
 * {@link dev.engram.node.auth.AuditLog} of operator actions ({@code DATA/audit.jsonl}). The HTTP
 * side (headers, 401/403) lives in {@code node.http}; this package knows nothing of HTTP.
 */
package dev.engram.node.auth;
