package io.lakecdp.identity;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a chain of weak matches from merging half the database: a cluster larger than the rule
 * set's maximum is clustered again using only its strong edges (rules only: the edges of rules made of
 * exact criteria; with learned weights: pairs a match rule forced, and pairs whose weight exceeds the
 * threshold by {@link #STRONG_MARGIN} bits, about a thousand times the odds); it stays split however those
 * edges fall, and the run reports how many clusters were guarded.
 */
final class OverMergeGuard {
  private static final Logger LOG = LoggerFactory.getLogger(OverMergeGuard.class);

  private OverMergeGuard() {}

  static final double STRONG_MARGIN = 10;

  record Guarded(Dataset<Row> clusters, long oversized) {}

  static Guarded apply(SparkSession spark, Dataset<Row> clusters, Dataset<Row> edges, RuleSet rules,
      double thresholdWeight) {
    Dataset<Row> big = clusters.groupBy("cluster_id").count().filter(functions.col("count").gt(rules.maxClusterSize()))
        .select("cluster_id");
    long oversized = big.count();
    if (oversized == 0) {
      return new Guarded(clusters, 0);
    }
    List<String> strongRules = new ArrayList<>();
    for (MatchRule r : rules.rules()) {
      if (!r.forbids() && (rules.probabilistic() || r.criteria().stream().allMatch(MatchCriterion::exact))) {
        strongRules.add(r.name());
      }
    }
    org.apache.spark.sql.Column isStrong = functions.col("rule").isin(strongRules.toArray());
    if (rules.probabilistic()) {
      isStrong = isStrong.or(functions.col("scores").getItem("match_weight").geq(thresholdWeight + STRONG_MARGIN));
    }
    LOG.warn("{} cluster(s) exceed maxClusterSize {}; re-clustering them on their strong links only (rules {}{})",
        oversized, rules.maxClusterSize(), strongRules, rules.probabilistic() ? ", weights >= threshold + "
            + STRONG_MARGIN + " bits" : "");
    Dataset<Row> members = clusters.join(big, "cluster_id").select(ResolutionEngine.ID);
    Dataset<Row> strong = edges.filter(isStrong)
        .join(members.withColumnRenamed(ResolutionEngine.ID, "a"), "a").select("a", "b");
    Dataset<Row> split = ConnectedComponents.of(spark, members, strong).labels();
    Dataset<Row> rest = clusters.join(big, clusters.col("cluster_id").equalTo(big.col("cluster_id")), "left_anti");
    return new Guarded(rest.unionByName(split), oversized);
  }
}
