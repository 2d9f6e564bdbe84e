package io.lakecdp.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakecdp.common.config.ConfigException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Learned weights decide pairs: sums of level weights, term frequencies, forced and forbidden pairs. */
class WeightScoringTest {
  private static final String CONFIG = """
      threshold: 0.9
      comparisons:
        - {name: first_name, kind: name, fields: [first, last]}
        - {name: last_name, kind: name, field: last}
        - {name: email, kind: email, field: email}
      rules:
        - name: same_loyalty_number
          match: [{field: loyalty, method: exact_normalized, normalizer: none}]
        - name: different_given_names_with_emails
          action: forbid
          match:
            - {field: first, method: different, precision: loose, initials: true, swapWith: last}
            - {field: email, method: present}
      """;

  /** m and u per level, in the kinds' level order; prior 1e-4 (weight about -13.3). */
  private static MatchModel model() {
    double[][] m = {{0.8, 0.05, 0.05, 0.03, 0.02, 0.02, 0.03}, {0.8, 0.01, 0.1, 0.04, 0.01, 0.01, 0.03},
        {0.7, 0.1, 0.05, 0.1, 0.05}};
    double[][] u = {{0.01, 0.002, 0.005, 0.02, 0.001, 0.001, 0.961}, {0.005, 0.0001, 0.002, 0.01, 0.0001, 0.001, 0.9818},
        {0.0001, 0.0002, 0.01, 0.0007, 0.9892}};
    return new MatchModel(List.of("first_name", "last_name", "email"),
        List.of(Comparison.Kind.NAME.levels(), Comparison.Kind.NAME.levels(), Comparison.Kind.EMAIL.levels()), 1e-4, m, u,
        "test", Map.of());
  }

  private static String[] record(String id, String first, String last, String email, String loyalty, String lastTf) {
    // id, then the fields in RuleSet.fields() order (loyalty, first, email, last), then last_name's term frequency
    // (the comparisons using term frequencies, in order: first_name, last_name).
    return new String[] {id, loyalty, first, email, last, null, lastTf};
  }

  @Test
  void weightsAddUpAndTheThresholdDecides(@TempDir Path dir) throws Exception {
    RuleSet rs = PairScorerTest.rules(dir, CONFIG);
    assertEquals(List.of("loyalty", "first", "email", "last"), List.copyOf(rs.fields().keySet()));
    PairScorer scorer = new PairScorer(rs, List.copyOf(rs.fields().keySet()), model());
    PairScorer.Decision same = scorer.score(record("a", "ann", "lee", "ann@x.com", null, null),
        record("b", "ann", "lee", "ann@x.com", null, null), 1);
    double expected = MatchModel.log2(1e-4 / (1 - 1e-4)) + MatchModel.log2(0.8 / 0.01) + MatchModel.log2(0.8 / 0.005)
        + MatchModel.log2(0.7 / 0.0001);
    assertEquals(expected, same.scores().get("match_weight"), 1e-9);
    assertEquals(PairScorer.BY_WEIGHT, same.rule());
    assertEquals("exact", same.levels().get("email"));

    PairScorer.Decision nameOnly = scorer.score(record("a", "ann", "lee", null, null, null),
        record("b", "ann", "lee", null, null, null), 1);
    assertNull(nameOnly.rule(), "a common name alone stays below the threshold: " + nameOnly.scores());
    assertEquals("missing", nameOnly.levels().get("email"));
    assertEquals(0.0, nameOnly.scores().get("email"));
  }

  @Test
  void aRareSurnameWeighsMoreThanACommonOne(@TempDir Path dir) throws Exception {
    RuleSet rs = PairScorerTest.rules(dir, CONFIG);
    PairScorer scorer = new PairScorer(rs, List.copyOf(rs.fields().keySet()), model());
    double common = scorer.score(record("a", "ann", "smith", null, null, "0.02"),
        record("b", "ann", "smith", null, null, "0.02"), 1).scores().get("last_name");
    double rare = scorer.score(record("a", "ann", "farncott", null, null, "0.00001"),
        record("b", "ann", "farncott", null, null, "0.00001"), 1).scores().get("last_name");
    assertEquals(MatchModel.log2(0.8 / 0.02), common, 1e-9, "u replaced by the value's frequency");
    assertEquals(MatchModel.log2(0.8 / 0.00001), rare, 1e-9);
    assertTrue(rare > common + 10);
  }

  @Test
  void rulesForceAndForbid(@TempDir Path dir) throws Exception {
    RuleSet rs = PairScorerTest.rules(dir, CONFIG);
    PairScorer scorer = new PairScorer(rs, List.copyOf(rs.fields().keySet()), model());
    PairScorer.Decision forced = scorer.score(record("a", "ann", "lee", null, "L-7", null),
        record("b", "anne", "leigh", null, "L-7", null), 1);
    assertEquals("same_loyalty_number", forced.rule(), "a match rule forces the match: " + forced.scores());
    PairScorer.Decision twins = scorer.score(record("a", "ann", "lee", "ann@x.com", null, null),
        record("b", "zoe", "lee", "zoe@x.com", null, null), 1);
    assertNull(twins.rule());
    assertEquals("different_given_names_with_emails", twins.forbiddenBy());
    PairScorer.Decision forbiddenEvenIfForced = scorer.score(record("a", "ann", "lee", "ann@x.com", "L-7", null),
        record("b", "zoe", "lee", "zoe@x.com", "L-7", null), 1);
    assertNull(forbiddenEvenIfForced.rule(), "a forbid rule wins over a match rule");
    PairScorer.Decision swapped = scorer.score(record("a", "lee", "ann", "ann@x.com", null, null),
        record("b", "ann", "lee", "ann@x.com", null, null), 1);
    assertNull(swapped.forbiddenBy(), "swapped names are not different given names");
    PairScorer.Decision initial = scorer.score(record("a", "a", "lee", "ann@x.com", null, null),
        record("b", "ann", "lee", "ann@x.com", null, null), 1);
    assertNull(initial.forbiddenBy(), "an initial is not a different given name");
    assertEquals(PairScorer.BY_WEIGHT, initial.rule());
  }

  @Test
  void aModelSurvivesItsFileAndKnowsItsComparisons(@TempDir Path dir) throws Exception {
    RuleSet rs = PairScorerTest.rules(dir, CONFIG);
    MatchModel m = model();
    MatchModel trained = new MatchModel(m.names(), m.levels(), m.prior(), m.m(), m.u(), MatchModel.hashOf(rs.comparisons()),
        Map.of("records", 10));
    MatchModel read = MatchModel.fromJson(trained.toJson());
    assertEquals(trained.parametersSha256(), read.parametersSha256());
    assertTrue(read.fits(rs.comparisons()));
    RuleSet other = PairScorerTest.rules(dir, CONFIG.replace("kind: email", "kind: exact"));
    assertTrue(!read.fits(other.comparisons()), "another comparison kind needs another model");
    assertEquals(read.weight(2, 0, Double.NaN), MatchModel.log2(0.7 / 0.0001), 1e-9);
  }

  @Test
  void configErrorsNameTheFieldAndProblem(@TempDir Path dir) {
    ConfigException kind = assertThrows(ConfigException.class, () -> PairScorerTest.rules(dir,
        "comparisons:\n  - {field: x, kind: fuzzy}\n"));
    assertTrue(kind.getMessage().contains("kind") && kind.getMessage().contains("fuzzy"), kind.getMessage());
    ConfigException fields = assertThrows(ConfigException.class, () -> PairScorerTest.rules(dir,
        "comparisons:\n  - {fields: [a, b], kind: date}\n"));
    assertTrue(fields.getMessage().contains("one field"), fields.getMessage());
    ConfigException threshold = assertThrows(ConfigException.class, () -> PairScorerTest.rules(dir,
        "threshold: 1.5\ncomparisons:\n  - {field: x, kind: exact}\n"));
    assertTrue(threshold.getMessage().contains("threshold"), threshold.getMessage());
  }
}
