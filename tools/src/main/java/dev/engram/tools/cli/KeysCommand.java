package dev.engram.tools.cli;

import dev.engram.node.auth.ApiKey;
import dev.engram.node.auth.ApiKeys;
import dev.engram.node.auth.AuditEntry;
import dev.engram.node.auth.AuditLog;
import dev.engram.node.auth.IssuedKey;
import dev.engram.node.auth.Role;
import dev.engram.node.auth.TenantScope;
import dev.engram.runtime.ApiKeyInfo;
import dev.engram.runtime.EngramApiException;
import dev.engram.runtime.EngramClient;
import dev.engram.runtime.IssuedApiKey;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code engram keys create|list|revoke}: a node's API keys.
 *
 * <pre>
 * engram keys create --principal P --role reader|writer|operator|admin [--tenants a,b] [--node URL] [--data DIR]
 * engram keys list   [--node URL] [--data DIR]
 * engram keys revoke ID [--node URL] [--data DIR]
 * </pre>
 *
 * <p>With a running node (given by {@code --node}, or running on {@code --data}) the command calls
 * its admin routes ({@code /v1/keys}) with an admin key; the node is then the only writer of its
 * keys. With no node running on {@code --data}, it edits {@code DATA/keys.json} directly (as the
 * owner of the directory): how a node that will listen beyond loopback gets its first key.
 */
@Command(
        name = "keys",
        mixinStandardHelpOptions = true,
        header = "Create, list and revoke a node's API keys.",
        description = {
            "Create, list and revoke a node's API keys (roles: reader < writer < operator < admin).",
            "Through a running node's /v1/keys with an admin key; directly in DATA/keys.json when no node runs",
            "there. A new key is shown once: the node keeps only its SHA-256."
        },
        subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Revoke.class})
final class KeysCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a key; it is printed once.")
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        NodeAccess access;

        @Option(
                names = "--principal",
                required = true,
                paramLabel = "NAME",
                description = "Who holds the key; recorded as the operator of what they do.")
        String principal;

        @Option(
                names = "--role",
                required = true,
                paramLabel = "ROLE",
                description = "reader (recall, list adapters, metrics), writer, operator (also pin, unpin, "
                        + "rollback, audit) or admin (also keys).")
        String role;

        @Option(
                names = "--tenants",
                defaultValue = "*",
                paramLabel = "A,B",
                description = "Tenants the key may act on (default: ${DEFAULT-VALUE}, every tenant).")
        String tenants;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Role parsedRole = Role.parse(role);
            TenantScope scope = TenantScope.parse(tenants);
            String secret;
            String id;
            if (online(access)) {
                IssuedApiKey issued;
                try (EngramClient client = access.client()) {
                    issued = client.admin().createKey(principal, parsedRole.wireName(), scope.tenants());
                } catch (EngramApiException e) {
                    return access.fail(spec, e);
                }
                secret = issued.key();
                id = issued.info().id();
            } else {
                IssuedKey issued = ApiKeys.open(access.data, Clock.systemUTC())
                        .create(principal, parsedRole, scope, localPrincipal());
                AuditLog.open(access.data)
                        .record(new AuditEntry(
                                Clock.systemUTC().instant(),
                                localPrincipal(),
                                Role.ADMIN,
                                AuditEntry.KEY_CREATE,
                                issued.key().id(),
                                null,
                                "",
                                "principal " + principal
                                        + ", role " + parsedRole.wireName() + ", tenants " + scope + " (in "
                                        + access.data
                                        + ", no node running)"));
                secret = issued.secret();
                id = issued.key().id();
            }
            out.println("created key " + id + " for " + principal + " (role " + parsedRole.wireName() + ", tenants "
                    + scope + "); it is shown only this once:");
            out.println(secret);
            out.flush();
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the keys (never their secrets).")
    static final class ListKeys implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        NodeAccess access;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            List<String[]> rows;
            if (online(access)) {
                try (EngramClient client = access.client()) {
                    rows = client.admin().keys().stream().map(KeysCommand::row).toList();
                } catch (EngramApiException e) {
                    return access.fail(spec, e);
                }
            } else {
                rows = ApiKeys.open(access.data, Clock.systemUTC()).list().stream()
                        .map(KeysCommand::row)
                        .toList();
            }
            out.printf(
                    "%-12s  %-20s  %-8s  %-24s  %-24s  %-12s  %s%n",
                    "ID", "PRINCIPAL", "ROLE", "TENANTS", "CREATED", "BY", "LAST USED (on the node, since it started)");
            rows.forEach(r -> out.printf("%-12s  %-20s  %-8s  %-24s  %-24s  %-12s  %s%n", (Object[]) r));
            if (rows.isEmpty()) {
                out.println("(no keys)");
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke the key with ID.")
    static final class Revoke implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        NodeAccess access;

        @Parameters(index = "0", paramLabel = "ID", description = "The key's id, as 'engram keys list' shows it.")
        String id;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            String principal;
            if (online(access)) {
                try (EngramClient client = access.client()) {
                    principal = client.admin().revokeKey(id).principal();
                } catch (EngramApiException e) {
                    return access.fail(spec, e);
                }
            } else {
                Optional<ApiKey> revoked =
                        ApiKeys.open(access.data, Clock.systemUTC()).revoke(id);
                if (revoked.isEmpty()) {
                    spec.commandLine().getErr().println("engram keys: no key with id '" + id + "' in " + access.data);
                    spec.commandLine().getErr().flush();
                    return 2;
                }
                principal = revoked.get().principal();
                AuditLog.open(access.data)
                        .record(new AuditEntry(
                                Clock.systemUTC().instant(),
                                localPrincipal(),
                                Role.ADMIN,
                                AuditEntry.KEY_REVOKE,
                                id,
                                null,
                                "",
                                "principal " + principal + " (in " + access.data + ", no node running)"));
            }
            out.println("revoked key " + id + " of " + principal);
            out.flush();
            return 0;
        }
    }

    /** A running node is addressed (by --node, or the one running on --data). */
    static boolean online(NodeAccess access) {
        return access.node != null || access.runningNode().isPresent();
    }

    private static String localPrincipal() {
        return "local:" + System.getProperty("user.name", "owner");
    }

    private static String[] row(ApiKeyInfo k) {
        return new String[] {
            k.id(),
            k.principal(),
            k.role(),
            String.join(",", k.tenants()),
            String.valueOf(k.createdAt()),
            k.createdBy(),
            k.lastUsedAt() == null ? "-" : k.lastUsedAt().toString()
        };
    }

    private static String[] row(ApiKey k) {
        return new String[] {
            k.id(),
            k.principal(),
            k.role().wireName(),
            k.tenants().toString(),
            String.valueOf(k.createdAt()),
            k.createdBy(),
            "- (no node asked)"
        };
    }
}
