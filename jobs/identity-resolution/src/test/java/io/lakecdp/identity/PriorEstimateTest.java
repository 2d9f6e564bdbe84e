package io.lakecdp.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakecdp.common.testing.TestSpark;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * The prior (how many record pairs match) where most records share their name and birth date with more than
 * maxTrainingGroup others, as in a large tenant: the name blocks train only on the few rare names, the birth-date block
 * on nothing. The estimate must still be near the true number of matching pairs, not the share the truncated blocks
 * see (a median over the five blocks that counted those would be about half of it here).
 */
class PriorEstimateTest {
  private static final int PEOPLE = 3_000;
  private static final String[] FIRST = {"james", "mary", "robert", "patricia", "john", "jennifer", "michael", "linda",
      "william", "elizabeth", "david", "barbara"};
  private static final String[] LAST = {"smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis",
      "rodriguez", "martinez", "hernandez", "lopez", "gonzalez", "wilson", "anderson"};

  @Test
  void priorIsNearTheTrueMatchesWhenCommonValuesExceedTheTrainingGroups() throws Exception {
    SparkSession spark = TestSpark.session();
    Random random = new Random(17);
    List<Row> rows = new ArrayList<>();
    for (int p = 0; p < PEOPLE; p++) {
      // One person in ten has a rare first name and surname (groups of two: their own records); the others share one of
      // a few common ones (groups of hundreds). Everyone's birth date is one of 40 (groups of 150).
      boolean rare = p % 10 == 0;
      String first = rare ? "zar" + letters(p) : FIRST[random.nextInt(FIRST.length)];
      String last = rare ? "quil" + letters(p) : LAST[random.nextInt(LAST.length)];
      int day = random.nextInt(40);
      String birth = String.format("19%02d-03-%02d", 50 + day / 4, 1 + day % 4);
      String email = first + "." + last + "." + letters(p) + "@example.com";
      String phone = String.format("+1 415 %03d %04d", p / 10_000, p % 10_000);
      for (int r = 0; r < 2; r++) {
        rows.add(RowFactory.create("P" + p + "-" + r, first, last, birth, email, phone));
      }
    }
    StructType schema = new StructType().add(ResolutionEngine.ID, DataTypes.StringType)
        .add("first_name", DataTypes.StringType).add("last_name", DataTypes.StringType)
        .add("birth_date", DataTypes.StringType).add("email", DataTypes.StringType).add("phone", DataTypes.StringType);
    RuleSet rules = RuleSet.load(PersonConfigEvaluationTest.ROOT.resolve("conf/identity/person.yaml"));
    ResolutionEngine engine = new ResolutionEngine(spark, rules);
    Dataset<Row> normalized = engine.normalize(spark.createDataFrame(rows, schema).repartition(4)).cache();
    MatchModel model = ModelTrainer.train(spark, normalized, normalized.count(), rules, engine.fields());
    normalized.unpersist();

    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> blocks = (Map<String, Map<String, Object>>) model.training().get("blocks");
    double firstCovered = ((Number) blocks.get("first_name").get("covered")).doubleValue();
    assertTrue(firstCovered > 0.05 && firstCovered < 0.2, "first names: one record in ten is in a group trained on, "
        + blocks);
    assertEquals(0.0, ((Number) blocks.get("birth_date").get("covered")).doubleValue(), 1e-9, blocks.toString());
    double estimated = ((Number) model.training().get("estimated_matching_pairs")).doubleValue();
    // Each person's two records are the only matching pair.
    assertTrue(estimated > 0.75 * PEOPLE && estimated < 1.33 * PEOPLE,
        "estimated matching pairs " + estimated + ", true " + PEOPLE + ": " + model.training());
  }

  /** A person's number in letters (names and e-mail local parts without digits). */
  private static String letters(int n) {
    StringBuilder b = new StringBuilder();
    do {
      b.append((char) ('a' + n % 26));
      n /= 26;
    } while (n > 0);
    return b.toString();
  }
}
