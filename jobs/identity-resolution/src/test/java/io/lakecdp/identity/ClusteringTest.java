package io.lakecdp.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

class ClusteringTest {
  static final StructType EDGE = new StructType().add("a", DataTypes.StringType).add("b", DataTypes.StringType)
      .add("rule", DataTypes.StringType);
  static final StructType NODE = new StructType().add("record_id", DataTypes.StringType);

  private static Dataset<Row> nodes(SparkSession spark, int n) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(RowFactory.create(String.format("r%03d", i)));
    }
    return spark.createDataFrame(rows, NODE);
  }

  private static Map<String, String> labels(Dataset<Row> clusters) {
    Map<String, String> m = new HashMap<>();
    clusters.collectAsList().forEach(r -> m.put(r.getString(0), r.getString(1)));
    return m;
  }

  private static Dataset<Row> pairs(SparkSession spark, String... idAndValue) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < idAndValue.length; i += 2) {
      rows.add(RowFactory.create(idAndValue[i], idAndValue[i + 1]));
    }
    return spark.createDataFrame(rows, new StructType().add("record_id", DataTypes.StringType)
        .add("cluster_id", DataTypes.StringType));
  }

  @Test
  void unifiedIdsFollowTheMajorityOfTheirMembersAcrossRuns() {
    SparkSession spark = TestSpark.session();
    Map<String, String> first = labels(StableIds.assign(pairs(spark, "a1", "a1", "a2", "a1", "a3", "a1",
        "b1", "b1", "b2", "b1", "c1", "c1"), null));
    assertEquals(first.get("a1"), first.get("a3"));
    assertTrue(first.get("a1").startsWith("U-"));
    assertEquals(3, new java.util.HashSet<>(first.values()).size());
    // Same input, same ids (derived from the smallest record id, not from run order).
    assertEquals(first, labels(StableIds.assign(pairs(spark, "c1", "c1", "b2", "b1", "b1", "b1", "a3", "a1", "a2", "a1",
        "a1", "a1"), null)));

    Dataset<Row> previous = spark.createDataFrame(first.entrySet().stream()
            .map(e -> RowFactory.create(e.getKey(), e.getValue())).toList(),
        new StructType().add("record_id", DataTypes.StringType).add("unified_id", DataTypes.StringType));
    // Second run: a0 (new, smallest id) joins the a cluster, a3 splits off alone, b and c merge (b is
    // larger, keeps its id), d1 is new.
    Map<String, String> second = labels(StableIds.assign(pairs(spark, "a0", "a0", "a1", "a0", "a2", "a0", "a3", "a3",
        "b1", "b1", "b2", "b1", "c1", "b1", "d1", "d1"), previous));
    assertEquals(first.get("a1"), second.get("a0"), "the cluster most of a's members stayed in keeps its id");
    assertEquals(first.get("a1"), second.get("a2"));
    assertTrue(!second.get("a3").equals(first.get("a1")), "the split-off record loses the contested id");
    assertEquals(first.get("b1"), second.get("c1"), "the merged cluster keeps the id of its larger part");
    assertTrue(second.get("d1").startsWith("U-") && !first.containsValue(second.get("d1")));
  }

  @Test
  void componentsOfAChainAndSingletons() {
    SparkSession spark = TestSpark.session();
    List<Row> edges = new ArrayList<>();
    for (int i = 9; i > 0; i--) {
      edges.add(RowFactory.create(String.format("r%03d", i - 1), String.format("r%03d", i), "x"));
    }
    edges.add(RowFactory.create("r011", "r012", "x"));
    ConnectedComponents.Components cc = ConnectedComponents.of(spark, nodes(spark, 14),
        spark.createDataFrame(edges, EDGE).select("a", "b"));
    Map<String, String> l = labels(cc.labels());
    assertEquals(14, l.size());
    for (int i = 0; i < 10; i++) {
      assertEquals("r000", l.get(String.format("r%03d", i)));
    }
    assertEquals("r011", l.get("r012"));
    assertEquals("r010", l.get("r010"));
    assertEquals("r013", l.get("r013"));
    assertTrue(cc.iterations() >= 2);
  }

  @Test
  void giantClustersAreSplitOnExactRulesOnly(@TempDir Path dir) throws Exception {
    SparkSession spark = TestSpark.session();
    RuleSet rs = PairScorerTest.rules(dir, """
        maxClusterSize: 5
        rules:
          - name: exact_email
            match: [{field: email, method: exact_normalized, normalizer: email}]
          - name: fuzzy_name
            match: [{field: name, method: fuzzy}]
        """);
    List<Row> edges = new ArrayList<>();
    for (int i = 1; i < 8; i++) {
      edges.add(RowFactory.create(String.format("r%03d", i - 1), String.format("r%03d", i), i == 4 ? "fuzzy_name" : "exact_email"));
    }
    Dataset<Row> e = spark.createDataFrame(edges, EDGE);
    Dataset<Row> clusters = ConnectedComponents.of(spark, nodes(spark, 8), e.select("a", "b")).labels();
    assertEquals(1, clusters.select("cluster_id").distinct().count());
    OverMergeGuard.Guarded g = OverMergeGuard.apply(spark, clusters, e, rs, Double.NaN);
    assertEquals(1, g.oversized());
    Map<String, String> l = labels(g.clusters());
    assertEquals(8, l.size());
    assertEquals("r000", l.get("r003"));
    assertEquals("r004", l.get("r007"));
  }

  @Test
  void evaluationCountsPairsAndBcubed() {
    SparkSession spark = TestSpark.session();
    StructType s = new StructType().add("record_id", DataTypes.StringType).add("cluster_id", DataTypes.StringType)
        .add("truth", DataTypes.StringType);
    Dataset<Row> assigned = spark.createDataFrame(List.of(
        RowFactory.create("a", "c1", "t1"), RowFactory.create("b", "c1", "t1"), RowFactory.create("c", "c1", "t2"),
        RowFactory.create("d", "c2", "t2"), RowFactory.create("e", "c3", "t3")), s);
    Map<String, Double> m = Evaluation.measure(assigned);
    assertEquals(3.0, m.get("predicted_pairs"));
    assertEquals(2.0, m.get("true_pairs"));
    assertEquals(1.0, m.get("true_positive_pairs"));
    assertEquals(1.0 / 3, m.get("precision"), 1e-9);
    assertEquals(0.5, m.get("recall"), 1e-9);
    // B-cubed precision: a,b: 2/3 each, c: 1/3, d: 1, e: 1 -> 11/15; recall: a,b: 1, c: 1/2, d: 1/2, e: 1 -> 4/5
    assertEquals(11.0 / 15, m.get("bcubed_precision"), 1e-9);
    assertEquals(0.8, m.get("bcubed_recall"), 1e-9);
  }
}
