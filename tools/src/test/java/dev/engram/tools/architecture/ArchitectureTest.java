package dev.engram.tools.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The house rules of docs/architecture.md, checked on the compiled main classes of every module
 * (the tools module sees them all): dependencies between modules flow one way, no module reaches
 * into another's {@code internal} packages, no packages depend on each other in a cycle, and the
 * tools reach the node's HTTP API through the SDK alone.
 */
class ArchitectureTest {

    /** Module → its root package. */
    private static final Map<String, String> MODULES = Map.of(
            "streams", "dev.engram.streams",
            "broker", "dev.engram.broker",
            "memory-store", "dev.engram.memory",
            "adapter-trainer", "dev.engram.adapters",
            "retriever-tuning", "dev.engram.retriever",
            "agent-model", "dev.engram.agentmodel",
            "actors", "dev.engram.node",
            "worker", "dev.engram.worker",
            "runtime", "dev.engram.runtime",
            "tools", "dev.engram.tools");

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> !location.contains("-tests.jar"))
                .importPackages("dev.engram");
    }

    @Test
    void noModuleUsesAnotherModulesInternals() {
        for (Map.Entry<String, String> module : MODULES.entrySet()) {
            String root = module.getValue();
            ArchRule rule = noClasses()
                    .that()
                    .resideOutsideOfPackage(root + "..")
                    .should()
                    .dependOnClassesThat()
                    .resideInAPackage(root + "..internal..")
                    .because(module.getKey() + "'s internal packages carry no promise to other modules");
            rule.check(classes);
        }
    }

    @Test
    void theWireContractAndTheLowerModulesDependOnNoOtherModule() {
        notOn(
                "dev.engram.streams",
                "dev.engram.broker",
                "dev.engram.memory",
                "dev.engram.adapters",
                "dev.engram.retriever",
                "dev.engram.agentmodel",
                "dev.engram.node",
                "dev.engram.worker",
                "dev.engram.runtime",
                "dev.engram.tools");
        notOn(
                "dev.engram.memory",
                "dev.engram.streams",
                "dev.engram.broker",
                "dev.engram.adapters",
                "dev.engram.retriever",
                "dev.engram.agentmodel",
                "dev.engram.node",
                "dev.engram.worker",
                "dev.engram.runtime",
                "dev.engram.tools");
        notOn(
                "dev.engram.adapters",
                "dev.engram.streams",
                "dev.engram.broker",
                "dev.engram.memory",
                "dev.engram.retriever",
                "dev.engram.agentmodel",
                "dev.engram.node",
                "dev.engram.worker",
                "dev.engram.runtime",
                "dev.engram.tools");
        notOn(
                "dev.engram.retriever",
                "dev.engram.streams",
                "dev.engram.broker",
                "dev.engram.agentmodel",
                "dev.engram.node",
                "dev.engram.worker",
                "dev.engram.runtime",
                "dev.engram.tools");
        // the agents' model: the LoRA core, the wire contract and the gate's paired test below it
        notOn(
                "dev.engram.agentmodel",
                "dev.engram.broker",
                "dev.engram.memory",
                "dev.engram.node",
                "dev.engram.worker",
                "dev.engram.runtime",
                "dev.engram.tools");
    }

    @Test
    void theNodeTheWorkerAndTheSdkStayInTheirRooms() {
        // a node has no agent model: it asks for agent-model rounds, workers with the model run them
        notOn(
                "dev.engram.node",
                "dev.engram.worker",
                "dev.engram.tools",
                "dev.engram.runtime",
                "dev.engram.agentmodel");
        notOn("dev.engram.worker", "dev.engram.node", "dev.engram.tools", "dev.engram.runtime", "dev.engram.broker");
        notOn(
                "dev.engram.runtime",
                "dev.engram.node",
                "dev.engram.worker",
                "dev.engram.tools",
                "dev.engram.broker",
                "dev.engram.memory",
                "dev.engram.adapters",
                "dev.engram.retriever");
        notOn("dev.engram.broker", "dev.engram.node", "dev.engram.worker", "dev.engram.tools", "dev.engram.runtime");
    }

    /**
     * One client of the node's HTTP API: the SDK's. The CLI, the demo, the simulator and
     * {@code engram eval} call the node through {@code EngramClient}, so every route they use is one
     * the SDK offers, and every call they make exercises it.
     */
    @Test
    void theToolsCallTheNodeThroughTheSdkOnly() {
        noClasses()
                .that()
                .resideInAPackage("dev.engram.tools..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("java.net.http..")
                .because("the tools talk to the node through the runtime SDK (EngramClient), not a client of their own")
                .check(classes);
    }

    /**
     * A package and the {@code internal} package beneath it are one room (the API hands work to its
     * private detail, which uses the API's records), so they form one slice; between rooms, no cycles.
     * The node's {@code dev.engram.node.internal} serves all of the node's packages (metrics, async
     * helpers, identity), so it is a room of its own that may depend on none of them.
     */
    @Test
    void packagesHaveNoCycles() {
        slices().assignedFrom(new SliceAssignment() {
                    @Override
                    public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
                        String pkg = javaClass.getPackageName();
                        if (!pkg.startsWith("dev.engram.")) {
                            return SliceIdentifier.ignore();
                        }
                        int internal = pkg.indexOf(".internal");
                        if (internal < 0 || pkg.equals("dev.engram.node.internal")) {
                            return SliceIdentifier.of(pkg);
                        }
                        return SliceIdentifier.of(pkg.substring(0, internal));
                    }

                    @Override
                    public String getDescription() {
                        return "Engram packages, each with its internal package";
                    }
                })
                .should()
                .beFreeOfCycles()
                .check(classes);
    }

    private static void notOn(String module, String... others) {
        List<String> forbidden =
                java.util.Arrays.stream(others).map(o -> o + "..").toList();
        noClasses()
                .that()
                .resideInAPackage(module + "..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(forbidden.toArray(String[]::new))
                .check(classes);
    }
}
