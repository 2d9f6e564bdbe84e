package io.lakecdp.identity;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * The demo generator's ground truth ({@code <landing>/_truth/}) against a clustering: which person
 * every source record belongs to, and pairs of different people that look alike (household members,
 * twins, namesakes, shared throwaway e-mails). Used by the benchmark and the end-to-end tests.
 */
public final class DemoGroundTruth {
  private DemoGroundTruth() {}

  /** {@code record_id} (as identity resolution names it: {@code <stream>:<id>}) and {@code truth} (person id). */
  public static Dataset<Row> records(SparkSession spark, String truthDir) {
    return spark.read().option("header", "true").csv(truthDir + "/source_records_*.csv")
        .select(functions.concat(functions.when(functions.col("source").equalTo("crm"), "crm_contacts:")
                .when(functions.col("source").equalTo("web"), "web_signups:").otherwise("pos_customers:"),
            functions.col("record_id")).as(ResolutionEngine.ID), functions.col("person_id").as("truth"));
  }

  /**
   * Pairwise and B-cubed quality of a clustering.
   *
   * @param clusters {@code record_id} and {@code cluster_id}
   */
  public static Map<String, Double> quality(SparkSession spark, String truthDir, Dataset<Row> clusters) {
    return Evaluation.measure(clusters.select(ResolutionEngine.ID, "cluster_id").join(records(spark, truthDir),
        ResolutionEngine.ID));
  }

  /**
   * Per kind of look-alike pair: how many pairs there are and how many the clustering wrongly merged
   * (some record of one person in the same cluster as some record of the other).
   */
  public static Map<String, long[]> hardNegatives(SparkSession spark, String truthDir, Dataset<Row> clusters) {
    Dataset<Row> pairs = spark.read().option("header", "true").csv(truthDir + "/hard_negatives_*.csv");
    Dataset<Row> personClusters = clusters.select(ResolutionEngine.ID, "cluster_id")
        .join(records(spark, truthDir), ResolutionEngine.ID).select("truth", "cluster_id").distinct();
    Dataset<Row> a = personClusters.withColumnRenamed("truth", "person_a").withColumnRenamed("cluster_id", "ca");
    Dataset<Row> b = personClusters.withColumnRenamed("truth", "person_b").withColumnRenamed("cluster_id", "cb");
    Dataset<Row> merged = pairs.join(a, "person_a").join(b, "person_b").filter("ca = cb")
        .select("kind", "person_a", "person_b").distinct().groupBy("kind").count();
    Map<String, long[]> out = new LinkedHashMap<>();
    for (Row r : pairs.groupBy("kind").count().orderBy("kind").collectAsList()) {
      out.put(r.getString(0), new long[] {r.getLong(1), 0});
    }
    for (Row r : merged.collectAsList()) {
      out.get(r.getString(0))[1] = r.getLong(1);
    }
    return out;
  }

  /** Matched pairs (from {@code match_explanations}) whose records belong to different people. */
  public static Dataset<Row> wrongEdges(SparkSession spark, String truthDir, Dataset<Row> explanations) {
    Dataset<Row> t = records(spark, truthDir);
    return explanations
        .join(t.withColumnRenamed(ResolutionEngine.ID, "record_id_a").withColumnRenamed("truth", "ta"), "record_id_a")
        .join(t.withColumnRenamed(ResolutionEngine.ID, "record_id_b").withColumnRenamed("truth", "tb"), "record_id_b")
        .filter("ta <> tb");
  }

  /** Matched pairs (from {@code match_explanations}) whose records belong to different people, by rule. */
  public static Map<String, Long> wrongEdgesByRule(SparkSession spark, String truthDir, Dataset<Row> explanations) {
    Dataset<Row> t = records(spark, truthDir);
    Dataset<Row> wrong = explanations
        .join(t.withColumnRenamed(ResolutionEngine.ID, "record_id_a").withColumnRenamed("truth", "ta"), "record_id_a")
        .join(t.withColumnRenamed(ResolutionEngine.ID, "record_id_b").withColumnRenamed("truth", "tb"), "record_id_b")
        .filter("ta <> tb");
    Map<String, Long> out = new java.util.TreeMap<>();
    for (Row r : wrong.groupBy("rule").count().collectAsList()) {
      out.put(r.getString(0), r.getLong(1));
    }
    return out;
  }
}
