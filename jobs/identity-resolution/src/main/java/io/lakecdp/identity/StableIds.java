package io.lakecdp.identity;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;

/**
 * Unified ids that survive reruns. A cluster takes the previous unified id held by most of its
 * members (ties: the smallest id); when several clusters claim the same previous id, the largest
 * cluster keeps it (ties: the smallest cluster id). Every other cluster gets a new id derived from
 * its smallest record id, so the same input always gives the same ids.
 */
final class StableIds {
  private StableIds() {}

  /**
   * @param clusters {@code record_id}, {@code cluster_id}
   * @param previous {@code record_id}, {@code unified_id} of the last run, or null on the first run
   * @return {@code record_id}, {@code unified_id}
   */
  static Dataset<Row> assign(Dataset<Row> clusters, Dataset<Row> previous) {
    Dataset<Row> fresh = clusters.withColumn("unified_id",
        functions.concat(functions.lit("U-"), functions.substring(functions.sha2(functions.col("cluster_id"), 256), 1, 20)));
    if (previous == null) {
      return fresh.select(ResolutionEngine.ID, "unified_id");
    }
    Dataset<Row> sizes = clusters.groupBy("cluster_id").agg(functions.count("*").as("size"));
    Dataset<Row> votes = clusters.join(previous.select(functions.col(ResolutionEngine.ID), functions.col("unified_id").as("prev_id")),
            ResolutionEngine.ID)
        .groupBy("cluster_id", "prev_id").agg(functions.count("*").as("votes"));
    Dataset<Row> choice = votes
        .withColumn("rn", functions.row_number().over(Window.partitionBy("cluster_id")
            .orderBy(functions.col("votes").desc(), functions.col("prev_id").asc())))
        .filter("rn = 1").drop("rn", "votes")
        .join(sizes, "cluster_id")
        .withColumn("rn", functions.row_number().over(Window.partitionBy("prev_id")
            .orderBy(functions.col("size").desc(), functions.col("cluster_id").asc())))
        .filter("rn = 1").select("cluster_id", "prev_id");
    return fresh.join(choice, "cluster_id", "left")
        .select(functions.col(ResolutionEngine.ID),
            functions.coalesce(functions.col("prev_id"), functions.col("unified_id")).as("unified_id"));
  }
}
