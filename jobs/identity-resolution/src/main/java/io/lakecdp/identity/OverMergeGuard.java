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
 * set's maximum is clustered again using only the edges of rules made of exact criteria; it stays
 * split however those edges fall, and the run reports how many clusters were guarded.
 */
final class OverMergeGuard {
  private static final Logger LOG = LoggerFactory.getLogger(OverMergeGuard.class);

  private OverMergeGuard() {}

  record Guarded(Dataset<Row> clusters, long oversized) {}

  static Guarded apply(SparkSession spark, Dataset<Row> clusters, Dataset<Row> edges, RuleSet rules) {
    Dataset<Row> big = clusters.groupBy("cluster_id").count().filter(functions.col("count").gt(rules.maxClusterSize()))
        .select("cluster_id");
    long oversized = big.count();
    if (oversized == 0) {
      return new Guarded(clusters, 0);
    }
    List<String> strongRules = new ArrayList<>();
    for (MatchRule r : rules.rules()) {
      if (r.criteria().stream().allMatch(MatchCriterion::exact)) {
        strongRules.add(r.name());
      }
    }
    LOG.warn("{} cluster(s) exceed maxClusterSize {}; re-clustering them on exact rules only {}", oversized,
        rules.maxClusterSize(), strongRules);
    Dataset<Row> members = clusters.join(big, "cluster_id").select(ResolutionEngine.ID);
    Dataset<Row> strong = edges.filter(functions.col("rule").isin(strongRules.toArray()))
        .join(members.withColumnRenamed(ResolutionEngine.ID, "a"), "a").select("a", "b");
    Dataset<Row> split = ConnectedComponents.of(spark, members, strong).labels();
    Dataset<Row> rest = clusters.join(big, clusters.col("cluster_id").equalTo(big.col("cluster_id")), "left_anti");
    return new Guarded(rest.unionByName(split), oversized);
  }
}
