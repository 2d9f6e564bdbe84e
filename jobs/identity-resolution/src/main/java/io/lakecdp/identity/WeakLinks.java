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
 * links between the same groups, or a weak link to a single record, still join. Distributed: one connected
 * components run over the records' strong links, then two over the small graph of groups the weak links join (all of
 * them: the components; those not cut: the clusters), and a few aggregations.
 */
final class WeakLinks {
  private static final Logger LOG = LoggerFactory.getLogger(WeakLinks.class);
  static final double MARGIN = 5;

  private WeakLinks() {}

  /**
   * {@code components}: connected components of every link; {@code clusters}: of the links not cut (both
   * {@code record_id, cluster_id}, the smallest record id of each as its label); the links cut; the iterations of
   * the components runs.
   */
  record Split(Dataset<Row> components, Dataset<Row> clusters, long cut, int iterations) {}

  /** @return null when no link is weak (the components of all links are the clusters) */
  static Split apply(SparkSession spark, Dataset<Row> nodes, Dataset<Row> edges, double thresholdWeight) {
    Column strong = functions.col("rule").notEqual(PairScorer.BY_WEIGHT)
        .or(functions.col("scores").getItem("match_weight").geq(thresholdWeight + MARGIN));
    Dataset<Row> weak = edges.filter(functions.not(strong)).select("a", "b").transform(Materialized::of);
    if (weak.isEmpty()) {
      return null;
    }
    ConnectedComponents.Components strongGroups = ConnectedComponents.of(spark, nodes, edges.filter(strong).select("a", "b"));
    Dataset<Row> groups = strongGroups.labels();
    Dataset<Row> sizes = groups.groupBy("cluster_id").count();
    Dataset<Row> ga = groups.select(functions.col(ResolutionEngine.ID).as("a"), functions.col("cluster_id").as("ga"));
    Dataset<Row> gb = groups.select(functions.col(ResolutionEngine.ID).as("b"), functions.col("cluster_id").as("gb"));
    Dataset<Row> between = weak.join(ga, "a").join(gb, "b").filter(functions.col("ga").notEqual(functions.col("gb")))
        .withColumn("lo", functions.least(functions.col("ga"), functions.col("gb")))
        .withColumn("hi", functions.greatest(functions.col("ga"), functions.col("gb")))
        .transform(Materialized::of);
    Dataset<Row> links = between.groupBy("lo", "hi").count()
        .join(sizes.withColumnRenamed("cluster_id", "lo").withColumnRenamed("count", "n_lo"), "lo")
        .join(sizes.withColumnRenamed("cluster_id", "hi").withColumnRenamed("count", "n_hi"), "hi")
        .withColumn("cut", functions.expr("count = 1 AND n_lo >= 2 AND n_hi >= 2"))
        .select("lo", "hi", "cut").transform(Materialized::of);
    long cut = links.filter("cut").count();
    if (cut > 0) {
      LOG.info("{} weak link(s) cut: each was the only link, less than {} bits above the threshold, between two groups"
          + " of strongly linked records", cut, MARGIN);
    }
    // The graph of groups: a group is labelled by its smallest record id, so the smallest group label of a component
    // of groups is the smallest record id of the records' component.
    Dataset<Row> groupNodes = links.select(functions.col("lo").as(ResolutionEngine.ID))
        .union(links.select(functions.col("hi").as(ResolutionEngine.ID))).distinct();
    ConnectedComponents.Components all = ConnectedComponents.of(spark, groupNodes,
        links.select(functions.col("lo").as("a"), functions.col("hi").as("b")));
    Dataset<Row> components = relabel(groups, all.labels());
    int iterations = strongGroups.iterations() + all.iterations();
    Dataset<Row> clusters = components;
    if (cut > 0) {
      ConnectedComponents.Components kept = ConnectedComponents.of(spark, groupNodes,
          links.filter("NOT cut").select(functions.col("lo").as("a"), functions.col("hi").as("b")));
      clusters = relabel(groups, kept.labels());
      iterations += kept.iterations();
    }
    return new Split(components, clusters, cut, iterations);
  }

  /** Each record's group label replaced by its group's label in the graph of groups (when the group is in it). */
  private static Dataset<Row> relabel(Dataset<Row> groups, Dataset<Row> groupLabels) {
    Dataset<Row> g = groupLabels.select(functions.col(ResolutionEngine.ID).as("group_id"),
        functions.col("cluster_id").as("group_label"));
    return groups.join(g, groups.col("cluster_id").equalTo(g.col("group_id")), "left")
        .select(functions.col(ResolutionEngine.ID),
            functions.coalesce(functions.col("group_label"), functions.col("cluster_id")).as("cluster_id"))
        .transform(Materialized::of);
  }
}
