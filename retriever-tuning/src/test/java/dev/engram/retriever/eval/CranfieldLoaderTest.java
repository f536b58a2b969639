package dev.engram.retriever.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CranfieldLoaderTest {

    private static EvalDataset cranfield;

    @BeforeAll
    static void load() {
        cranfield = CranfieldLoader.load();
    }

    @Test
    void hasTheWholeCollection() {
        assertThat(cranfield.name()).isEqualTo("cranfield");
        assertThat(cranfield.docs()).hasSize(1400);
        assertThat(cranfield.docs().get(0).id()).isEqualTo("1");
        assertThat(cranfield.docs().get(1399).id()).isEqualTo("1400");
        assertThat(cranfield.queries()).hasSize(225);
        assertThat(cranfield.judgedQueries()).hasSize(225);
    }

    @Test
    void parsesTitleAndAbstract() {
        Document first = cranfield.docs().get(0);
        assertThat(first.title())
                .isEqualTo("experimental investigation of the aerodynamics of a wing in a slipstream .");
        assertThat(first.text())
                .startsWith(
                        "experimental investigation of the aerodynamics of a wing in a slipstream . an experimental study")
                .endsWith("for the specific configuration of the experiment .")
                .doesNotContain("brenckman") // the .A author line is not text
                .doesNotContain("j. ae. scs."); // nor the .B bibliography
    }

    @Test
    void keepsTheTextOfDamagedRecords() {
        // 240 has stray .A/.B marker lines inside its abstract: the lines after them stay in the abstract.
        Document d240 = cranfield.docs().get(239);
        assertThat(d240.text())
                .contains("application to turbulent separations is made for a prandtl number of")
                .contains("unity in low-speed flow without injection .")
                .endsWith("transfer in a laminar separated flow .");
        // 576 runs on into another record's text, with a stray author line and a second .W.
        assertThat(cranfield.docs().get(575).text()).contains("benser, w.a.").endsWith("blades is included .");
        // ... and 577 after it is whole (lines joined by one space; spacing inside a line kept).
        assertThat(cranfield.docs().get(576))
                .isEqualTo(
                        new Document(
                                "577",
                                "on hypersonic similitude .",
                                "on hypersonic similitude . tsien in a recent paper (j. math. phys. mass. inst. tech."
                                        + " sonic flows around slender bodies and has pointed out that the product of mach number and"
                                        + " fineness ratio is a basic similarity parameter .  the author enlarges on this notion,"
                                        + " indicating that the problem of hypersonic flow about a slender body in three dimensions is"
                                        + " the same as that of a certain two-dimensional nonsteady flow (with time replacing the"
                                        + " lengthwise spatial coordinate) characterized by essentially the same similarity parameter ."));
        // 578's second .W is kept in the abstract.
        assertThat(cranfield.docs().get(577).text())
                .contains("compressor operation with one or more blade rows stalled .");
        // 471 and 995 are empty records in the source: kept, empty, so that ids stay 1..1400.
        assertThat(cranfield.docs())
                .filteredOn(d -> d.text().isEmpty())
                .extracting(Document::id)
                .containsExactly("471", "995");
        assertThat(cranfield.qrels().judged("125")).containsEntry("995", 2); // row "125 995 3"
    }

    @Test
    void numbersQueriesByPositionAsTheJudgementsDo() {
        // cran.qry: .I 001, 002, 004, 008, ... ; cranqrel calls them 1, 2, 3, 4, ...
        assertThat(cranfield.queries().get(0))
                .isEqualTo(
                        new Query(
                                "1",
                                "what similarity laws must be obeyed when constructing aeroelastic models of heated high speed aircraft ."));
        Query third = cranfield.queries().get(2); // .I 004 in the file
        assertThat(third.id()).isEqualTo("3");
        assertThat(third.text())
                .isEqualTo("what problems of heat conduction in composite slabs have been solved so far .");
        assertThat(cranfield.queries().get(224).id()).isEqualTo("225");
        assertThat(cranfield.queries()).allSatisfy(q -> assertThat(q.text()).doesNotContain("\r"));
        // the third query's judgements ("3 144 3", "3 399 3") are about heat conduction in slabs
        assertThat(cranfield.qrels().judged("3"))
                .containsEntry("144", 2)
                .containsEntry("399", 2)
                .hasSize(8);
        assertThat(cranfield.docs().get(143).title()).isEqualTo("heat flow in composite slabs .");
        assertThat(cranfield.docs().get(398).title()).isEqualTo("conduction of heat in composite slabs .");
    }

    @Test
    void dropsTheMinusOneRowsAndMapsGradesToGains() {
        // cranqrel has 1,837 rows: 225 graded -1 (one per query) and 1,612 graded 1..4
        //   grade 1: 128, grade 2: 387, grade 3: 734, grade 4: 363 → 128 + 387 + 734 + 363 = 1,612
        // so the judgements number 1,837 − 225 = 1,612.
        Qrels qrels = cranfield.qrels();
        assertThat(qrels.judgementCount()).isEqualTo(1612);
        assertThat(qrels.queryIds()).hasSize(225);
        Map<Integer, Long> byGain = qrels.gains().values().stream()
                .flatMap(m -> m.values().stream())
                .collect(java.util.stream.Collectors.groupingBy(g -> g, java.util.stream.Collectors.counting()));
        assertThat(byGain).containsExactlyInAnyOrderEntriesOf(Map.of(4, 128L, 3, 387L, 2, 734L, 1, 363L));
        // query 1's first rows: "1 184 2", "1 29 2", "1 12 3", "1 13 4"
        assertThat(qrels.judged("1"))
                .containsEntry("184", 3)
                .containsEntry("29", 3)
                .containsEntry("12", 2)
                .containsEntry("13", 1);
        // the last row of the file is "225 1188 -1": dropped
        assertThat(qrels.judged("225")).doesNotContainKey("1188").containsEntry("1075", 2);
        assertThat(qrels.gains().values())
                .allSatisfy(m -> assertThat(m.values()).allMatch(g -> g >= 1 && g <= 4));
    }

    @Test
    void gainIsFiveMinusGrade() {
        assertThat(List.of(1, 2, 3, 4).stream().map(CranfieldLoader::gainOfGrade))
                .containsExactly(4, 3, 2, 1);
        assertThatThrownBy(() -> CranfieldLoader.gainOfGrade(-1)).hasMessageContaining("grade must be 1..4");
    }

    @Test
    void rejectsMalformedJudgementsWithTheLine() {
        assertThatThrownBy(() -> CranfieldLoader.parseQrels(List.of("1 2 3", "1 2"), 225, 1400))
                .hasMessageContaining("cranqrel line 2");
        assertThatThrownBy(() -> CranfieldLoader.parseQrels(List.of("226 2 3"), 225, 1400))
                .hasMessageContaining("out of range");
        assertThatThrownBy(() -> CranfieldLoader.parseQrels(List.of("1 2 7"), 225, 1400))
                .hasMessageContaining("grade must be 1..4 or -1");
    }
}
