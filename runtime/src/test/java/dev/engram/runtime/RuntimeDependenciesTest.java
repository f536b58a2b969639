package dev.engram.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The SDK is embedded in agents' own processes: its run-time classpath must stay the wire contract
 * (Engram's streams, kafka-clients with its compression codecs, Jackson) and the SLF4J API — no
 * broker, no logging backend, no test library. The build writes the resolved set
 * (target/runtime-dependencies.txt, from maven-dependency-plugin's list goal); this test fails
 * when it grows beyond that.
 */
class RuntimeDependenciesTest {

    private static final Set<String> ALLOWED = Set.of(
            "dev.engram:engram-streams",
            "org.apache.kafka:kafka-clients",
            "com.github.luben:zstd-jni",
            "org.lz4:lz4-java",
            "at.yawk.lz4:lz4-java",
            "org.xerial.snappy:snappy-java",
            "com.fasterxml.jackson.core:jackson-databind",
            "com.fasterxml.jackson.core:jackson-core",
            "com.fasterxml.jackson.core:jackson-annotations",
            "com.fasterxml.jackson.datatype:jackson-datatype-jsr310",
            "org.slf4j:slf4j-api");

    @Test
    void runtimeClasspathIsKafkaClientsJacksonAndTheSlf4jApi() throws Exception {
        Path listing = Path.of("target", "runtime-dependencies.txt");
        assertThat(listing)
                .as("written by the build's dependency:list execution")
                .exists();
        Set<String> found = new TreeSet<>();
        for (String line : Files.readAllLines(listing)) {
            String[] parts = line.trim().split(":");
            // groupId:artifactId:type:version:scope (plus module info after " -- " on newer plugins)
            if (parts.length >= 5 && !line.contains("The following files")) {
                found.add(parts[0] + ":" + parts[1]);
            }
        }
        assertThat(found).as("the SDK's run-time dependencies").isNotEmpty().contains("org.apache.kafka:kafka-clients");
        assertThat(found)
                .as("the SDK's run-time dependencies (add to ALLOWED only what agents should carry)")
                .isSubsetOf(ALLOWED);
    }
}
