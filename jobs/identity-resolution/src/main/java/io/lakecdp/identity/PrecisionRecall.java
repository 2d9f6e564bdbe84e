package io.lakecdp.identity;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * Precision and recall of scored pairs across match-probability thresholds, against ground truth: at a
 * threshold, a pair is predicted when a match rule forced it or its probability reaches the threshold,
 * never when a forbid rule held. Pairwise over the scored pairs (before clustering), so a user can pick a
 * threshold; one aggregation for all thresholds.
 */
final class PrecisionRecall {
  /** The lowest probability kept for the curve. */
  static final double LOWEST = 0.01;
  static final double[] THRESHOLDS = {0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99,
      0.995, 0.999, 0.9999};

  private PrecisionRecall() {}

  /** True pairs that a forbid rule kept apart, in the last curve computed (reported beside it). */
  static long forbiddenTruePairs;

  /**
   * @param scored edges ({@code a, b, rule, scores, matched})
   * @param truth {@code record_id}, {@code truth}
   */
  static List<Map<String, Double>> curve(Dataset<Row> scored, Dataset<Row> truth) {
    Dataset<Row> ta = truth.select(functions.col(ResolutionEngine.ID).as("a"), functions.col("truth").as("ta"));
    Dataset<Row> tb = truth.select(functions.col(ResolutionEngine.ID).as("b"), functions.col("truth").as("tb"));
    Dataset<Row> pairs = scored.join(ta, "a").join(tb, "b")
        .select(functions.col("rule"), functions.col("scores").getItem("match_probability").as("p"),
            functions.col("ta").equalTo(functions.col("tb")).as("same"));
    Column forced = functions.col("rule").notEqual(PairScorer.BY_WEIGHT)
        .and(functions.not(functions.col("rule").startsWith("forbidden:")))
        .and(functions.col("rule").notEqual("below_threshold"));
    Column allowed = functions.not(functions.col("rule").startsWith("forbidden:"));
    List<Column> aggs = new ArrayList<>();
    for (double t : THRESHOLDS) {
      Column predicted = allowed.and(forced.or(functions.col("p").geq(t)));
      aggs.add(functions.sum(functions.when(predicted, 1).otherwise(0)));
      aggs.add(functions.sum(functions.when(predicted.and(functions.col("same")), 1).otherwise(0)));
    }
    aggs.add(functions.sum(functions.when(functions.not(allowed).and(functions.col("same")), 1).otherwise(0)));
    Row r = pairs.agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(new Column[0])).first();
    forbiddenTruePairs = r.isNullAt(2 * THRESHOLDS.length) ? 0 : r.getLong(2 * THRESHOLDS.length);
    Row t = truth.groupBy("truth").count().agg(functions.sum(functions.expr("count * (count - 1) / 2"))).first();
    double truePairs = t.isNullAt(0) ? 0 : t.getDouble(0);
    List<Map<String, Double>> out = new ArrayList<>();
    for (int i = 0; i < THRESHOLDS.length; i++) {
      double predicted = r.isNullAt(2 * i) ? 0 : r.getLong(2 * i);
      double correct = r.isNullAt(2 * i + 1) ? 0 : r.getLong(2 * i + 1);
      double precision = predicted == 0 ? 1.0 : correct / predicted;
      double recall = truePairs == 0 ? 1.0 : correct / truePairs;
      Map<String, Double> point = new LinkedHashMap<>();
      point.put("threshold", THRESHOLDS[i]);
      point.put("predicted_pairs", predicted);
      point.put("precision", precision);
      point.put("recall", recall);
      point.put("f1", Evaluation.f1(precision, recall));
      out.add(point);
    }
    return out;
  }

  /** A self-contained SVG: precision against recall, one labelled dot per threshold, the chosen one marked. */
  static void writeSvg(List<Map<String, Double>> curve, double chosen, Path file) {
    int w = 520;
    int h = 420;
    int left = 60;
    int top = 30;
    int size = 340;
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
        + "font-family=\"sans-serif\" font-size=\"11\">%n", w, h));
    s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>%n",
        left, top, size, size));
    s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">recall</text>%n", left + size / 2 - 15, top + size + 30));
    s.append(String.format(Locale.ROOT, "<text x=\"12\" y=\"%d\" transform=\"rotate(-90 12 %d)\">precision</text>%n",
        top + size / 2, top + size / 2));
    for (int i = 0; i <= 4; i++) {
      double v = i / 4.0;
      s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%.2f</text>%n", left + (int) (v * size) - 10,
          top + size + 14, v));
      s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%.2f</text>%n", left - 32, top + size - (int) (v * size) + 4, v));
    }
    StringBuilder line = new StringBuilder();
    for (Map<String, Double> p : curve) {
      double x = left + p.get("recall") * size;
      double y = top + size - p.get("precision") * size;
      line.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
    }
    s.append("<polyline fill=\"none\" stroke=\"#2a6fdb\" stroke-width=\"2\" points=\"").append(line.toString().trim())
        .append("\"/>\n");
    for (Map<String, Double> p : curve) {
      double x = left + p.get("recall") * size;
      double y = top + size - p.get("precision") * size;
      boolean mark = Math.abs(p.get("threshold") - chosen) < 1e-12;
      s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%d\" fill=\"%s\"><title>threshold %s: "
              + "precision %.4f, recall %.4f</title></circle>%n", x, y, mark ? 5 : 3, mark ? "#d33" : "#2a6fdb",
          p.get("threshold"), p.get("precision"), p.get("recall")));
    }
    s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\">Precision-recall of scored pairs (red: threshold %s)</text>%n",
        left, chosen));
    s.append("</svg>\n");
    try {
      Files.writeString(file, s.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
