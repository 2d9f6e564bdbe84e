package io.lakecdp.identity;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Splits clusters held together by one weak link. With learned weights, a link is weak when its weight is
 * less than {@link #MARGIN} bits above the threshold and no match rule forced it. The strong links alone form
 * groups; two groups of at least two records each that only one weak link joins stay apart (a chain is only as
 * good as its weakest link, and one near-threshold pair should not merge two people's records); two or more weak
 * links between the same groups, or a weak link to a single record, still join. Distributed: two connected
 * components runs and one aggregation.
 */
final class WeakLinks {
  private static final Logger LOG = LoggerFactory.getLogger(WeakLinks.class);
  static final double MARGIN = 5;

  private WeakLinks() {}

  /** Clusters ({@code record_id, cluster_id}), the links cut, and the iterations of the last components run. */
  record Split(Dataset<Row> clusters, long cut, int iterations) {}

  /** @return null when no link is weak (the components already computed stand) */
  static Split apply(SparkSession spark, Dataset<Row> nodes, Dataset<Row> edges, double thresholdWeight) {
    Column strong = functions.col("rule").notEqual(PairScorer.BY_WEIGHT)
        .or(functions.col("scores").getItem("match_weight").geq(thresholdWeight + MARGIN));
    Dataset<Row> weak = edges.filter(functions.not(strong)).select("a", "b").transform(Materialized::of);
    if (weak.isEmpty()) {
      return null;
    }
    Dataset<Row> groups = ConnectedComponents.of(spark, nodes, edges.filter(strong).select("a", "b")).labels();
    Dataset<Row> sizes = groups.groupBy("cluster_id").count();
    Dataset<Row> ga = groups.select(functions.col(ResolutionEngine.ID).as("a"), functions.col("cluster_id").as("ga"));
    Dataset<Row> gb = groups.select(functions.col(ResolutionEngine.ID).as("b"), functions.col("cluster_id").as("gb"));
    Dataset<Row> between = weak.join(ga, "a").join(gb, "b").filter(functions.col("ga").notEqual(functions.col("gb")))
        .withColumn("lo", functions.least(functions.col("ga"), functions.col("gb")))
        .withColumn("hi", functions.greatest(functions.col("ga"), functions.col("gb")));
    Dataset<Row> single = between.groupBy("lo", "hi").count().filter("count = 1").drop("count")
        .join(sizes.withColumnRenamed("cluster_id", "lo").withColumnRenamed("count", "n_lo"), "lo")
        .join(sizes.withColumnRenamed("cluster_id", "hi").withColumnRenamed("count", "n_hi"), "hi")
        .filter("n_lo >= 2 AND n_hi >= 2").select("lo", "hi");
    Dataset<Row> cutLinks = between.join(single, new String[] {"lo", "hi"}).select("a", "b").transform(Materialized::of);
    long cut = cutLinks.count();
    if (cut == 0) {
      return null;
    }
    LOG.info("{} weak link(s) cut: each was the only link, less than {} bits above the threshold, between two groups of"
        + " strongly linked records", cut, MARGIN);
    Dataset<Row> kept = edges.select("a", "b").join(cutLinks, new String[] {"a", "b"}, "left_anti");
    ConnectedComponents.Components cc = ConnectedComponents.of(spark, nodes, kept);
    return new Split(cc.labels(), cut, cc.iterations());
  }
}
