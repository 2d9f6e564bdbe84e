package io.lakecdp.identity;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Distributed connected components by minimum-label propagation: every node starts with its own id
 * as label and repeatedly takes the smallest label among itself and its neighbours, until no label
 * changes. Lineage is cut with a local checkpoint every few iterations. Nothing goes to the driver
 * except the count of changed labels per iteration.
 */
public final class ConnectedComponents {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectedComponents.class);
  private static final int MAX_ITERATIONS = 100;

  private ConnectedComponents() {}

  /** {@code labels}: (record_id, cluster_id = the smallest record id of its component). */
  public record Components(Dataset<Row> labels, int iterations) {}

  /**
   * @param nodes a {@code record_id} column
   * @param edges {@code a}, {@code b} columns
   */
  public static Components of(SparkSession spark, Dataset<Row> nodes, Dataset<Row> edges) {
    String id = ResolutionEngine.ID;
    Dataset<Row> both = edges.select(functions.col("a").as("src"), functions.col("b").as("dst"))
        .union(edges.select(functions.col("b").as("src"), functions.col("a").as("dst")))
        .transform(Materialized::of);
    Dataset<Row> labels = nodes.select(functions.col(id), functions.col(id).as("cluster_id")).transform(Materialized::of);
    int iteration = 0;
    while (true) {
      iteration++;
      Dataset<Row> proposals = both.join(labels, both.col("src").equalTo(labels.col(id)))
          .select(functions.col("dst").as(id), functions.col("cluster_id"));
      Dataset<Row> next = labels.union(proposals).groupBy(id).agg(functions.min("cluster_id").as("cluster_id"))
          .transform(Materialized::of);
      long changed = next.join(labels.withColumnRenamed("cluster_id", "old"), id)
          .filter(functions.col("cluster_id").notEqual(functions.col("old"))).count();
      labels = next;
      LOG.info("connected components: iteration {}, {} labels changed", iteration, changed);
      if (changed == 0 || iteration >= MAX_ITERATIONS) {
        if (changed != 0) {
          LOG.warn("connected components stopped after {} iterations with {} labels still changing", iteration, changed);
        }
        return new Components(labels, iteration);
      }
    }
  }
}
