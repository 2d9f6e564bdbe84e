package io.lakecdp.identity;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * Why two records match or not: the waterfall of weights (prior, then each comparison's level, values and
 * weight, the running total), the match probability against the threshold, and the rules that held. Works
 * for any two records, also pairs that were never candidates.
 */
final class PairExplainer {
  private PairExplainer() {}

  /** The explanation as data (for JSON) and as text lines (for a terminal). */
  record Explanation(Map<String, Object> data, List<String> lines) {}

  /**
   * @param normalized the engine's normalized records ({@link ResolutionEngine#normalize}), term frequencies included
   * @return null when either record id is not there
   */
  static Explanation explain(Dataset<Row> normalized, RuleSet rules, List<String> fields, MatchModel model, String idA,
      String idB) {
    List<Row> rows = normalized.filter(functions.col(ResolutionEngine.ID).isin(idA, idB)).collectAsList();
    String[] a = null;
    String[] b = null;
    for (Row r : rows) {
      String[] v = ModelTrainer.strings(r);
      if (v[0].equals(idA)) {
        a = v;
      } else {
        b = v;
      }
    }
    if (a == null || b == null) {
      return null;
    }
    if (a[0].compareTo(b[0]) > 0) {
      String[] t = a;
      a = b;
      b = t;
    }
    PairScorer.Decision d = new PairScorer(rules, fields, model).score(a, b, 1);
    Map<String, Object> data = new LinkedHashMap<>();
    List<String> lines = new ArrayList<>();
    data.put("record_a", a[0]);
    data.put("record_b", b[0]);
    lines.add(String.format(Locale.ROOT, "%s  vs  %s", a[0], b[0]));
    if (model != null) {
      double total = model.priorWeight();
      lines.add(String.format(Locale.ROOT, "  %-14s %-26s %8.2f  %8.2f", "prior", "", total, total));
      List<Map<String, Object>> steps = new ArrayList<>();
      for (int c = 0; c < rules.comparisons().size(); c++) {
        Comparison cmp = rules.comparisons().get(c);
        double w = d.scores().get(cmp.name());
        total += w;
        String va = a[fields.indexOf(cmp.fields().get(0)) + 1];
        String vb = b[fields.indexOf(cmp.fields().get(0)) + 1];
        Map<String, Object> step = new LinkedHashMap<>();
        step.put("comparison", cmp.name());
        step.put("level", d.levels().get(cmp.name()));
        step.put("a", va);
        step.put("b", vb);
        step.put("weight", w);
        steps.add(step);
        lines.add(String.format(Locale.ROOT, "  %-14s %-26s %8.2f  %8.2f   %s | %s", cmp.name(), d.levels().get(cmp.name()),
            w, total, show(va), show(vb)));
      }
      data.put("prior_weight", model.priorWeight());
      data.put("waterfall", steps);
      data.put("match_weight", d.scores().get("match_weight"));
      data.put("match_probability", d.scores().get("match_probability"));
      data.put("threshold", rules.threshold());
      lines.add(String.format(Locale.ROOT, "  match weight %.2f, probability %.6f (threshold %s)",
          d.scores().get("match_weight"), d.scores().get("match_probability"), rules.threshold()));
    }
    data.put("matched", d.rule() != null);
    data.put("rule", d.rule());
    data.put("forbidden_by", d.forbiddenBy());
    lines.add(d.rule() != null ? "  MATCH (" + (PairScorer.BY_WEIGHT.equals(d.rule()) ? "by weight" : "rule " + d.rule()) + ")"
        : d.forbiddenBy() != null ? "  NO MATCH: forbidden by rule " + d.forbiddenBy() : "  NO MATCH");
    return new Explanation(data, lines);
  }

  private static String show(String v) {
    return v == null ? "-" : v.replace(Comparison.MULTI, " ; ");
  }
}
