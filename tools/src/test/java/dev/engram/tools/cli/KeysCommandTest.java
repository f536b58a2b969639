package dev.engram.tools.cli;

import static dev.engram.tools.cli.EngramCliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.node.EngramNode;
import dev.engram.node.auth.ApiKeys;
import dev.engram.node.testing.SharedNode;
import dev.engram.node.testing.TestIds;
import dev.engram.tools.cli.EngramCliTest.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code engram keys} and {@code engram audit} against a running node, and {@code engram keys} on a
 * data directory no node runs on; the operator of {@code engram adapters pin} is the key's principal.
 */
class KeysCommandTest {

    private static final Pattern KEY = Pattern.compile("egk_([0-9a-f]{12})_\\S{43}");

    @TempDir
    Path tmp;

    private static String key(Run created) {
        Matcher m = KEY.matcher(created.out());
        assertThat(m.find()).as(created.out() + created.err()).isTrue();
        return m.group();
    }

    private Path file(String name, String content) throws Exception {
        return Files.writeString(tmp.resolve(name), content);
    }

    @Test
    void anAdminMakesScopedKeysThroughTheNodeAndTheirHoldersAreWhatTheAuditLogShows() throws Exception {
        EngramNode node = SharedNode.get();
        String tenant = TestIds.unique("cli-keys");
        String data = node.config().dataDir().toString();
        String url = node.httpUrl();

        // The admin key comes from --data (the node's own directory), no --key-file needed.
        Run reader = run(
                "keys",
                "create",
                "--node",
                url,
                "--data",
                data,
                "--principal",
                "cli-reader",
                "--role",
                "reader",
                "--tenants",
                tenant);
        assertThat(reader.exitCode()).as(reader.err()).isZero();
        assertThat(reader.out()).contains("for cli-reader (role reader, tenants " + tenant + ")", "shown only");
        String readerKey = key(reader);
        Run operator = run(
                "keys",
                "create",
                "--node",
                url,
                "--data",
                data,
                "--principal",
                "cli-op",
                "--role",
                "operator",
                "--tenants",
                tenant);
        String operatorKey = key(operator);
        Path readerFile = file("reader.key", readerKey);
        Path operatorFile = file("operator.key", operatorKey);

        Run recall = run("recall", "--tenant", tenant, "--node", url, "--key-file", readerFile.toString(), "x");
        Run elsewhere =
                run("recall", "--tenant", tenant + "-other", "--node", url, "--key-file", readerFile.toString(), "x");
        Run readerLists = run("keys", "list", "--node", url, "--key-file", readerFile.toString());
        assertThat(recall.exitCode()).as(recall.err()).isZero();
        assertThat(elsewhere.exitCode()).isEqualTo(2);
        assertThat(elsewhere.err()).contains("HTTP 403", "[field: tenant]");
        assertThat(readerLists.exitCode()).isEqualTo(2);
        assertThat(readerLists.err()).contains("403", "needs role admin");

        Run listed = run("keys", "list", "--node", url, "--data", data);
        assertThat(listed.exitCode()).as(listed.err()).isZero();
        assertThat(listed.out())
                .contains(KEY.matcher(readerKey).replaceAll("$1"), "cli-reader", "cli-op", "operator", tenant)
                .doesNotContain(readerKey, operatorKey);
        // The reader's key was used (its recall), the operator's not yet: the node says when.
        String readerRow = listed.out()
                .lines()
                .filter(l -> l.contains("cli-reader"))
                .findFirst()
                .orElseThrow();
        assertThat(readerRow).matches(".*\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z\\s*$");
        assertThat(listed.out()
                        .lines()
                        .filter(l -> l.contains("cli-op"))
                        .findFirst()
                        .orElseThrow())
                .endsWith("-");

        String adapter = tenant + "-unseen";
        Run pinByOperator = run(
                "adapters",
                "pin",
                adapter,
                "3",
                "--reason",
                "cli test",
                "--node",
                url,
                "--key-file",
                operatorFile.toString());
        assertThat(pinByOperator.exitCode())
                .as("a one-tenant operator cannot steer an adapter the node has not " + "seen")
                .isEqualTo(2);
        assertThat(pinByOperator.err()).contains("HTTP 403");
        Run pin = run("adapters", "pin", adapter, "3", "--reason", "cli test", "--node", url, "--data", data);
        assertThat(pin.exitCode()).as(pin.err()).isZero();
        assertThat(pin.out()).contains("\"operator\":\"admin\"");

        Run audit = run("audit", "--node", url, "--data", data, "--limit", "10000");
        assertThat(audit.exitCode()).as(audit.err()).isZero();
        assertThat(audit.out())
                .contains(
                        "admin (admin)  adapter.pin " + adapter + ": version 3",
                        "cli test",
                        "key.create " + KEY.matcher(readerKey).replaceAll("$1"));
        Run operatorAudit = run("audit", "--node", url, "--key-file", operatorFile.toString());
        assertThat(operatorAudit.exitCode()).as(operatorAudit.err()).isZero();
        assertThat(operatorAudit.out()).doesNotContain("key.create");

        String readerId = KEY.matcher(readerKey).replaceAll("$1");
        Run revoke = run("keys", "revoke", readerId, "--node", url, "--data", data);
        assertThat(revoke.exitCode()).as(revoke.err()).isZero();
        assertThat(revoke.out()).contains("revoked key " + readerId + " of cli-reader");
        Run revoked = run("recall", "--tenant", tenant, "--node", url, "--key-file", readerFile.toString(), "x");
        assertThat(revoked.exitCode()).isEqualTo(2);
        assertThat(revoked.err()).contains("HTTP 401");
    }

    @Test
    void withNoNodeRunningKeysAreWrittenToTheDataDirectoryHashedAndAudited() throws Exception {
        Path data = tmp.resolve("server");

        Run created = run("keys", "create", "--data", data.toString(), "--principal", "ops", "--role", "admin");
        assertThat(created.exitCode()).as(created.err()).isZero();
        String secret = key(created);
        String keys = Files.readString(data.resolve(ApiKeys.KEYS_FILE));
        assertThat(keys).contains("\"ops\"", "\"admin\"").doesNotContain(secret);
        assertThat(ApiKeys.open(data, java.time.Clock.systemUTC()).authenticate(secret))
                .isPresent();

        Run listed = run("keys", "list", "--data", data.toString());
        assertThat(listed.out()).contains("ops", "admin", "*").doesNotContain(secret);
        Run second = run(
                "keys",
                "create",
                "--data",
                data.toString(),
                "--principal",
                "bot",
                "--role",
                "reader",
                "--tenants",
                "acme,globex");
        String id = KEY.matcher(key(second)).replaceAll("$1");
        Run revoke = run("keys", "revoke", id, "--data", data.toString());
        assertThat(revoke.exitCode()).as(revoke.err()).isZero();
        assertThat(run("keys", "revoke", id, "--data", data.toString()).exitCode())
                .isEqualTo(2);
        assertThat(Files.readString(data.resolve("audit.jsonl"))).contains("key.create", "key.revoke", "local:");

        Run badRole = run("keys", "create", "--data", data.toString(), "--principal", "x", "--role", "root");
        assertThat(badRole.exitCode()).isNotZero();
        assertThat(badRole.err()).contains("role must be one of [reader, writer, operator, admin]");
    }

    @Test
    void serveRefusesAnonymousAccessBeyondLoopbackBeforeAnythingStarts() {
        Run open =
                run("serve", "--data", tmp.resolve("open").toString(), "--http-host", "0.0.0.0", "--allow-anonymous");

        assertThat(open.exitCode()).isEqualTo(1);
        assertThat(open.err()).contains("allowAnonymous is only allowed when the HTTP API listens on loopback");
        assertThat(tmp.resolve("open").resolve("kafka")).doesNotExist();
        assertThat(run("serve", "--help").out()).contains("--allow-anonymous");
    }
}
