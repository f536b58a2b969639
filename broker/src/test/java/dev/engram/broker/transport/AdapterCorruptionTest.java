package dev.engram.broker.transport;

import static dev.engram.broker.transport.ContinualSamples.adapters;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.broker.EmbeddedKafka;
import dev.engram.streams.AdapterAssembler;
import dev.engram.streams.AdapterAssembler.Delivery;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.TopicAdmin;
import dev.engram.streams.Topics;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Broken adapter publications on a real broker: a corrupted chunk, a missing chunk, a wrong
 * checksum, orphan chunks. Each is rejected with its reason and nothing of it is delivered.
 */
class AdapterCorruptionTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.startTemporary();
        TopicAdmin.ensureTopics(kafka.bootstrapServers(), Topics.all());
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void aCorruptedChunkIsRejectedAndAGoodRepublishIsThenDelivered() throws Exception {
        AdapterPublished adapter = ContinualSamples.adapter("corrupt-retriever", 1, 2 * 1024 * 1024, 31);
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>(ContinualSamples.recordsOf(adapter));
        records.set(3, withJson(records.get(3), chunk -> {
            byte[] bytes = Base64.getDecoder().decode(chunk.get("bytes").textValue());
            bytes[1000] ^= 0x40;
            return chunk.put("bytes", Base64.getEncoder().encodeToString(bytes));
        }));
        records.addAll(ContinualSamples.recordsOf(adapter));

        List<Delivery> out = produceAndAssemble(records, new AdapterAssembler());

        assertThat(out).hasSize(2);
        Delivery.Rejected rejected = (Delivery.Rejected) out.get(0);
        assertThat(rejected.key()).isEqualTo("corrupt-retriever/v1");
        assertThat(rejected.reason()).contains("checksum mismatch", adapter.payloadSha256(), "a chunk was corrupted");
        assertThat(((Delivery.Adapter) out.get(1)).adapter()).isEqualTo(adapter);
    }

    @Test
    void aMissingChunkIsRejected() throws Exception {
        AdapterPublished adapter = ContinualSamples.adapter("gap-retriever", 1, 2 * 1024 * 1024, 32);
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>(ContinualSamples.recordsOf(adapter));
        records.remove(2);

        List<Delivery> out = produceAndAssemble(records, new AdapterAssembler());

        assertThat(out).singleElement().isInstanceOfSatisfying(Delivery.Rejected.class, r -> {
            assertThat(r.key()).isEqualTo("gap-retriever/v1");
            assertThat(r.reason()).contains("missing chunk(s) [2] of 6");
        });
    }

    @Test
    void aWrongChecksumIsRejectedWhetherInTheHeaderOrEverywhere() throws Exception {
        AdapterPublished adapter = ContinualSamples.adapter("sha-retriever", 1, 1024 * 1024, 33);
        String wrong = "ab".repeat(32);
        List<ProducerRecord<String, byte[]>> headerOnly = new ArrayList<>(ContinualSamples.recordsOf(adapter));
        int last = headerOnly.size() - 1;
        headerOnly.set(last, withJson(headerOnly.get(last), h -> h.put("payloadSha256", wrong)));
        List<ProducerRecord<String, byte[]>> everywhere = new ArrayList<>();
        for (ProducerRecord<String, byte[]> r :
                ContinualSamples.recordsOf(adapter.withStatus(dev.engram.streams.AdapterStatus.PROMOTED, "ok"))) {
            everywhere.add(withJson(r, node -> node.put("payloadSha256", wrong)));
        }
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>(headerOnly);
        records.addAll(everywhere);

        List<Delivery> out = produceAndAssemble(records, new AdapterAssembler());

        assertThat(out).hasSize(2).allSatisfy(d -> assertThat(d).isInstanceOf(Delivery.Rejected.class));
        assertThat(((Delivery.Rejected) out.get(0)).reason())
                .contains("checksum mismatch: the header says payload SHA-256 " + wrong, adapter.payloadSha256());
        assertThat(((Delivery.Rejected) out.get(1)).reason())
                .contains("checksum mismatch: the header says SHA-256 " + wrong, "hash to " + adapter.payloadSha256());
    }

    @Test
    void orphanChunksStayWithinTheMemoryBound() throws Exception {
        AdapterPublished big = ContinualSamples.adapter("orphan-retriever", 1, 3 * 1024 * 1024, 34);
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>(ContinualSamples.recordsOf(big));
        records.remove(records.size() - 1);
        AdapterPublished small = ContinualSamples.adapter("orphan-retriever", 2, 1024 * 1024, 35);
        records.addAll(ContinualSamples.recordsOf(small));
        long bound = 1536 * 1024;
        AdapterAssembler assembler = new AdapterAssembler(bound);

        List<Delivery> out = produceAndAssemble(records, assembler);

        assertThat(out)
                .last()
                .isEqualTo(new Delivery.Adapter(small, ((Delivery.Adapter) out.get(out.size() - 1)).offset()));
        List<Delivery> dropped = out.subList(0, out.size() - 1);
        assertThat(dropped)
                .isNotEmpty()
                .allSatisfy(d -> assertThat(d)
                        .isInstanceOfSatisfying(
                                Delivery.Rejected.class,
                                r -> assertThat(r.reason()).contains("pending-chunk budget of " + bound)));
        assertThat(assembler.pendingChunkBytes()).isLessThanOrEqualTo(bound);
    }

    private static List<Delivery> produceAndAssemble(
            List<ProducerRecord<String, byte[]>> records, AdapterAssembler assembler) throws Exception {
        long first = ContinualSamples.produce(kafka.bootstrapServers(), records);
        long lastOffset = first + records.size() - 1;
        List<Delivery> out = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r :
                ContinualSamples.readFrom(kafka.bootstrapServers(), adapters(), first, lastOffset)) {
            out.addAll(assembler.accept(r));
        }
        return out;
    }

    private static ProducerRecord<String, byte[]> withJson(
            ProducerRecord<String, byte[]> record, UnaryOperator<ObjectNode> change) throws Exception {
        ObjectNode node = (ObjectNode) JSON.readTree(record.value());
        return new ProducerRecord<>(
                record.topic(), record.partition(), record.key(), JSON.writeValueAsBytes(change.apply(node)));
    }
}
