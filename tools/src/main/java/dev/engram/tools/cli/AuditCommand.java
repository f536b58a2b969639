package dev.engram.tools.cli;

import dev.engram.runtime.AuditRecord;
import dev.engram.runtime.EngramApiException;
import dev.engram.runtime.EngramClient;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code engram audit}: the node's newest operator actions (pins, rollbacks, keys), with who did them. */
@Command(
        name = "audit",
        mixinStandardHelpOptions = true,
        header = "Show a node's audit log: who pinned, unpinned, rolled back, created or revoked what, and why.",
        description = {
            "Show the newest entries of a running node's audit log (GET /v1/audit), oldest first.",
            "Needs an operator's or an admin's key; a key sees only its own tenants' entries."
        })
final class AuditCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    NodeAccess access;

    @Option(
            names = "--limit",
            defaultValue = "50",
            paramLabel = "N",
            description = "How many of the newest entries (default: ${DEFAULT-VALUE}).")
    int limit;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<AuditRecord> entries;
        try (EngramClient client = access.client()) {
            entries = client.admin().audit(limit);
        } catch (EngramApiException e) {
            return access.fail(spec, e);
        }
        if (entries.isEmpty()) {
            out.println("(no entries)");
        }
        for (AuditRecord e : entries) {
            out.println(e.time() + "  " + e.principal() + (e.role() == null ? "" : " (" + e.role() + ")") + "  "
                    + e.action() + " " + e.target() + (e.tenant() == null ? "" : " [tenant " + e.tenant() + "]")
                    + (e.detail() == null ? "" : ": " + e.detail())
                    + (e.reason() == null || e.reason().isEmpty() ? "" : " — " + e.reason()));
        }
        out.flush();
        return 0;
    }
}
