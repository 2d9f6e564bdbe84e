package io.lakecdp.identity;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * Quality of a clustering against ground truth: pairwise precision, recall and F1 over all pairs the
 * clusters imply, and B-cubed precision, recall and F1 (per record, averaged). Computed with Spark
 * aggregations; only the totals reach the driver.
 */
public final class Evaluation {
  private Evaluation() {}

  /**
   * @param assigned {@code record_id}, {@code cluster_id} (predicted) and {@code truth} (true entity)
   */
  public static Map<String, Double> measure(Dataset<Row> assigned) {
    Dataset<Row> cell = assigned.groupBy("cluster_id", "truth").agg(functions.count("*").as("n"));
    Dataset<Row> predicted = assigned.groupBy("cluster_id").agg(functions.count("*").as("np"));
    Dataset<Row> truth = assigned.groupBy("truth").agg(functions.count("*").as("nt"));
    double tp = pairs(cell, "n");
    double pp = pairs(predicted, "np");
    double tt = pairs(truth, "nt");
    Row b = cell.join(predicted, "cluster_id").join(truth, "truth")
        .agg(functions.sum(functions.expr("n * n / np")), functions.sum(functions.expr("n * n / nt")),
            functions.sum("n"))
        .first();
    double records = b.isNullAt(2) ? 0 : b.getLong(2);
    Map<String, Double> m = new LinkedHashMap<>();
    double precision = pp == 0 ? 1.0 : tp / pp;
    double recall = tt == 0 ? 1.0 : tp / tt;
    m.put("true_pairs", tt);
    m.put("predicted_pairs", pp);
    m.put("true_positive_pairs", tp);
    m.put("precision", precision);
    m.put("recall", recall);
    m.put("f1", f1(precision, recall));
    double bp = records == 0 ? 1.0 : b.getDouble(0) / records;
    double br = records == 0 ? 1.0 : b.getDouble(1) / records;
    m.put("bcubed_precision", bp);
    m.put("bcubed_recall", br);
    m.put("bcubed_f1", f1(bp, br));
    return m;
  }

  private static double pairs(Dataset<Row> counts, String column) {
    Row r = counts.agg(functions.sum(functions.expr(column + " * (" + column + " - 1) / 2"))).first();
    return r.isNullAt(0) ? 0 : r.getDouble(0);
  }

  static double f1(double p, double r) {
    return p + r == 0 ? 0 : 2 * p * r / (p + r);
  }
}
