package dev.engram.node.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.node.http.HealthReport;
import dev.engram.node.ops.DeadLetterEntry;
import dev.engram.node.ops.DeadLetterPage;
import dev.engram.node.ops.LossPoint;
import dev.engram.node.ops.TenantSummary;
import dev.engram.node.ops.TrainingJobView;
import dev.engram.node.registry.AdapterVersionView;
import dev.engram.node.registry.AdapterView;
import dev.engram.node.registry.PromotionGate;
import dev.engram.runtime.AdapterInfo;
import dev.engram.runtime.AdapterListing;
import dev.engram.runtime.AdapterVersionInfo;
import dev.engram.runtime.DeadLetterInfo;
import dev.engram.runtime.DeadLetterListing;
import dev.engram.runtime.NodeHealth;
import dev.engram.runtime.TenantInfo;
import dev.engram.runtime.TrainingJobInfo;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The SDK reads the node's answers into records of its own (it may not depend on the node), which
 * ignore fields they do not know: so a field the node adds to an answer would silently not reach
 * SDK users. Here each pair is compared, field by field, and the recall modes by their wire names.
 */
class SdkModelDriftTest {

    @Test
    void theSdksRecordsCarryEveryFieldOfTheNodesAnswers() {
        assertSameFields(HealthReport.class, NodeHealth.class);
        assertSameFields(HealthReport.StalledPartition.class, NodeHealth.StalledPartition.class);
        assertSameFields(dev.engram.node.cluster.ClusterStatus.class, NodeHealth.Cluster.class);
        assertSameFields(AdapterView.class, AdapterInfo.class);
        assertSameFields(AdapterVersionView.class, AdapterVersionInfo.class);
        assertSameFields(PromotionGate.class, AdapterListing.Gate.class);
        assertSameFields(DeadLetterEntry.class, DeadLetterInfo.class);
        assertSameFields(DeadLetterPage.class, DeadLetterListing.class);
        assertSameFields(TrainingJobView.class, TrainingJobInfo.class);
        assertSameFields(LossPoint.class, TrainingJobInfo.LossPoint.class);
        assertSameFields(TenantSummary.class, TenantInfo.class);
        assertSameFields(TenantSummary.VersionQuality.class, TenantInfo.VersionQuality.class);
    }

    @Test
    void theSdkReadsAnAdaptersKindAndPlanLossVerdictAsTheWireTypesTheNodeWrites() {
        // Both sides use the stream's own types, so a new kind or a new verdict field cannot drift apart.
        assertThat(type(AdapterInfo.class, "kind")).isEqualTo(type(AdapterView.class, "kind"));
        assertThat(type(AdapterVersionInfo.class, "planLoss")).isEqualTo(type(AdapterVersionView.class, "planLoss"));
        assertThat(type(AdapterVersionInfo.class, "metrics")).isEqualTo(type(AdapterVersionView.class, "metrics"));
    }

    @Test
    void theSdkKnowsEveryRecallModeOfTheNode() {
        assertThat(Arrays.stream(dev.engram.runtime.RecallMode.values()).map(dev.engram.runtime.RecallMode::wireName))
                .containsExactlyElementsOf(Arrays.stream(dev.engram.memory.RecallMode.values())
                        .map(dev.engram.memory.RecallMode::wireName)
                        .toList());
    }

    private static void assertSameFields(Class<? extends Record> node, Class<? extends Record> sdk) {
        assertThat(names(sdk))
                .as("the fields of the SDK's %s, against the node's %s", sdk.getName(), node.getName())
                .containsExactlyElementsOf(names(node));
    }

    private static Class<?> type(Class<? extends Record> record, String component) {
        return Arrays.stream(record.getRecordComponents())
                .filter(c -> c.getName().equals(component))
                .findFirst()
                .orElseThrow(() -> new AssertionError(record.getName() + " has no " + component))
                .getType();
    }

    private static List<String> names(Class<? extends Record> type) {
        return Arrays.stream(type.getRecordComponents())
                .map(RecordComponent::getName)
                .toList();
    }
}
