package io.lakecdp.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakecdp.common.testing.TestSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which records meet as candidates: those sharing a retrieval block. Pairs that share no name block, no birth date and
 * no exact e-mail still meet when their names are swapped, when their e-mails share the local part, or when they share
 * a postal code; records sharing nothing do not meet.
 */
class RetrievalBlocksTest {
  static final String CONFIG = """
      threshold: 0.95
      comparisons:
        - {name: first_name, kind: name, fields: [first_name, last_name]}
        - {name: last_name, kind: name, fields: [last_name, first_name]}
        - {name: birth_date, kind: date, field: birth_date}
        - {name: email, kind: email, field: email}
        - {name: address, kind: location, fields: [address, postal_code, city]}
      """;
  private static final StructType PROFILE = new StructType().add("record_id", DataTypes.StringType)
      .add("first_name", DataTypes.StringType).add("last_name", DataTypes.StringType)
      .add("birth_date", DataTypes.StringType).add("email", DataTypes.StringType).add("address", DataTypes.StringType)
      .add("postal_code", DataTypes.StringType).add("city", DataTypes.StringType);

  /** Made-up weights: exact agreement strong, the last level (different) against. */
  static MatchModel model(RuleSet rules) {
    List<Comparison> cs = rules.comparisons();
    double[][] m = new double[cs.size()][];
    double[][] u = new double[cs.size()][];
    List<String> names = new ArrayList<>();
    List<List<String>> levels = new ArrayList<>();
    for (int c = 0; c < cs.size(); c++) {
      int k = cs.get(c).kind().levels().size();
      m[c] = new double[k];
      u[c] = new double[k];
      for (int l = 0; l < k; l++) {
        m[c][l] = l == 0 ? 0.7 : l == k - 1 ? 0.05 : 0.25 / (k - 2);
        u[c][l] = l == 0 ? 0.001 : l == k - 1 ? 0.99 : 0.009 / (k - 2);
      }
      names.add(cs.get(c).name());
      levels.add(cs.get(c).kind().levels());
    }
    return new MatchModel(names, levels, 1e-4, m, u, "test", Map.of());
  }

  @Test
  void swappedNamesLocalPartsAndPostalCodesMeet(@TempDir Path dir) throws Exception {
    SparkSession spark = TestSpark.session();
    RuleSet rules = PairScorerTest.rules(dir, CONFIG);
    List<Row> rows = List.of(
        // swapped names, nothing else in common
        RowFactory.create("a1", "Lola", "Taylor", "1980-01-01", null, null, null, null),
        RowFactory.create("a2", "Taylor", "Lola", "1990-05-05", null, null, null, null),
        // the same local part at another (mistyped) domain, other names and dates
        RowFactory.create("b1", "Ann", "Brook", "1971-02-03", "annb77@mail.com", null, null, null),
        RowFactory.create("b2", "Zoe", "Quill", "1999-09-09", "annb77@mial.com", null, null, null),
        // the same postal code, other names and dates
        RowFactory.create("c1", "Mark", "Ivers", "1960-06-06", null, "12 Elm St", "90210", "Springfield"),
        RowFactory.create("c2", "Paul", "Yates", "1961-07-07", null, "12 Elm Street", "90210", "Springfield"),
        // shares nothing with anyone
        RowFactory.create("d1", "Omar", "Fenwick", "1955-03-04", "ofen@web.org", "9 Oak Rd", "10001", "Albany"));
    Dataset<Row> profiles = spark.createDataFrame(rows, PROFILE);
    ResolutionEngine.Result result = new ResolutionEngine(spark, rules).resolve(profiles, model(rules), 0.0);
    Map<String, Row> candidates = new HashMap<>();
    for (Row r : result.scored().collectAsList()) {
      candidates.put(r.getString(r.fieldIndex("a")) + "-" + r.getString(r.fieldIndex("b")), r);
    }
    assertTrue(candidates.containsKey("a1-a2"), "swapped names meet: " + candidates.keySet());
    assertTrue(candidates.containsKey("b1-b2"), "a shared local part meets: " + candidates.keySet());
    assertTrue(candidates.containsKey("c1-c2"), "a shared postal code meets: " + candidates.keySet());
    assertFalse(candidates.keySet().stream().anyMatch(k -> k.contains("d1")), "d1 shares no block: " + candidates.keySet());
    assertFalse(candidates.containsKey("a1-b1"), "a1 and b1 share no block: " + candidates.keySet());

    // One crossing-over counts once: the surname comparison sees the same swap and adds nothing.
    Row swap = candidates.get("a1-a2");
    Map<String, String> levels = scala.collection.JavaConverters.mapAsJavaMap(swap.getMap(swap.fieldIndex("levels")));
    Map<String, Object> scores = scala.collection.JavaConverters.mapAsJavaMap(swap.getMap(swap.fieldIndex("scores")));
    assertEquals("swapped", levels.get("first_name"));
    assertEquals("swapped", levels.get("last_name"));
    assertEquals(MatchModel.log2((0.25 / 5) / (0.009 / 5)), (Double) scores.get("first_name"), 1e-9);
    assertEquals(0.0, (Double) scores.get("last_name"), 1e-12);
  }

  @Test
  void exactKeyGroupsPairEveryMemberAndPlaceholdersAreSkipped(@TempDir Path dir) throws Exception {
    SparkSession spark = TestSpark.session();
    RuleSet rules = PairScorerTest.rules(dir, CONFIG);
    List<Row> rows = new ArrayList<>();
    // 30 records sharing one e-mail (more than 2 maxCandidates + 1, at most maxExactGroup 100): every two are paired
    for (int i = 0; i < 30; i++) {
      rows.add(RowFactory.create(String.format("s%03d", i), "Given" + (char) ('a' + i % 26) + i, "Family" + i,
          String.format("19%02d-01-01", i), "shared.box@mail.com", null, null, null));
    }
    // 101 records sharing one e-mail: a placeholder, not paired as a group (they still meet in their blocks)
    for (int i = 0; i < 101; i++) {
      rows.add(RowFactory.create(String.format("p%03d", i), "Other" + (char) ('a' + i % 26) + i, "Name" + i,
          String.format("18%02d-02-02", i % 100), "noreply@shop.com", null, null, null));
    }
    Dataset<Row> profiles = spark.createDataFrame(rows, PROFILE);
    ResolutionEngine.Result result = new ResolutionEngine(spark, rules).resolve(profiles, model(rules), 0.0);
    long shared = 0;
    long placeholder = 0;
    for (Row r : result.scored().select("a", "b").collectAsList()) {
      shared += r.getString(0).startsWith("s") && r.getString(1).startsWith("s") ? 1 : 0;
      placeholder += r.getString(0).startsWith("p") && r.getString(1).startsWith("p") ? 1 : 0;
    }
    assertEquals(30 * 29 / 2, shared, "every two records of an exact-key group are candidates");
    // Paired whole it would give 5,050 pairs; in its blocks (local part, given-name code, surname code) a record takes
    // at most ten hits each.
    assertTrue(placeholder > 0 && placeholder <= 3 * 101 * 10, "the placeholder group is not paired whole: " + placeholder);
  }

  @Test
  void aSwapAcrossANicknameOrAnInitialIsASwap() {
    int[] pos = {1, 2};
    String[] webKate = {"w", "marshall", "kate"};
    String[] crmKatherine = {"c", "katherine", "marshall"};
    Comparison first = new Comparison("first_name", Comparison.Kind.NAME, List.of("first_name", "last_name"), true);
    assertEquals(Comparison.NAME_SWAPPED, first.level(webKate, crmKatherine, pos));
    assertEquals(Comparison.NAME_SWAPPED, first.level(new String[] {"p", "bradbury", "i"},
        new String[] {"q", "iris", "bradbury"}, pos));
    // One-sided: "walker" given as a first name is no swap.
    assertEquals(6, first.level(new String[] {"x", "walker", "kate"}, new String[] {"y", "anna", "walker"}, pos));
  }
}
