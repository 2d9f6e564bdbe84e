package io.lakecdp.identity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lakecdp.common.job.Json;
import io.lakecdp.common.lake.InputFingerprint;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trained Fellegi-Sunter parameters: the prior probability that two random records match, and for
 * every comparison level its m (probability among matching pairs) and u (among non-matching pairs).
 * A pair's match weight is {@code log2(prior / (1 - prior)) + sum of log2(m / u)} over its comparisons,
 * where exact agreement on a comparison with term frequencies uses the value's frequency as u.
 *
 * @param configHash SHA-256 of the comparisons it was trained for: a changed configuration retrains
 */
public record MatchModel(List<String> names, List<List<String>> levels, double prior, double[][] m, double[][] u,
    String configHash, Map<String, Object> training) implements Serializable {
  public static final int MAX_COMPARISONS = 15;
  static final double FLOOR = 1e-6;

  /** Weight of one comparison at one level; {@code tf} is the agreed value's frequency (NaN when unknown). */
  public double weight(int comparison, int level, double tf) {
    if (level == Comparison.MISSING) {
      return 0.0;
    }
    double w = rawWeight(comparison, level, tf);
    int last = m[comparison].length - 1;
    // Levels are ordered from best to worst agreement and the last is disagreement: a partial agreement never
    // counts against a pair, however few training pairs showed it (EM may give a rare level an m near zero).
    return level < last ? Math.max(w, 0.0) : w;
  }

  private double rawWeight(int comparison, int level, double tf) {
    double mm = Math.max(FLOOR, m[comparison][level]);
    double uu = level == 0 && !Double.isNaN(tf) && tf > 0 ? Math.max(FLOOR, tf) : Math.max(FLOOR, u[comparison][level]);
    return log2(mm / uu);
  }

  public double priorWeight() {
    return log2(prior / (1 - prior));
  }

  public static double probability(double weight) {
    double odds = Math.pow(2, weight);
    return Double.isInfinite(odds) ? 1.0 : odds / (1 + odds);
  }

  public static double weightOf(double probability) {
    return log2(probability / (1 - probability));
  }

  static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }

  /** Readable JSON: per comparison and level, m, u and the weight (bits) that level adds. */
  public String toJson() {
    ObjectNode root = Json.mapper().createObjectNode();
    root.put("model", "fellegi-sunter");
    root.put("config_sha256", configHash);
    root.put("prior", prior);
    root.put("prior_weight", priorWeight());
    ArrayNode comparisons = root.putArray("comparisons");
    for (int c = 0; c < names.size(); c++) {
      ObjectNode cn = comparisons.addObject();
      cn.put("name", names.get(c));
      ArrayNode ln = cn.putArray("levels");
      for (int l = 0; l < levels.get(c).size(); l++) {
        ObjectNode level = ln.addObject();
        level.put("level", levels.get(c).get(l));
        level.put("m", m[c][l]);
        level.put("u", u[c][l]);
        level.put("weight", weight(c, l, Double.NaN));
      }
    }
    root.set("training", Json.mapper().valueToTree(training));
    try {
      return Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(root);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The readable form ({@link #toJson}) as a map, for run summaries and evaluate's output. */
  @SuppressWarnings("unchecked")
  public Map<String, Object> toMap() {
    try {
      return Json.mapper().readValue(toJson(), LinkedHashMap.class);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public static MatchModel fromJson(String json) {
    try {
      JsonNode root = Json.mapper().readTree(json);
      List<String> names = new ArrayList<>();
      List<List<String>> levels = new ArrayList<>();
      JsonNode cs = root.get("comparisons");
      double[][] m = new double[cs.size()][];
      double[][] u = new double[cs.size()][];
      for (int c = 0; c < cs.size(); c++) {
        names.add(cs.get(c).get("name").asText());
        JsonNode ls = cs.get(c).get("levels");
        List<String> ln = new ArrayList<>();
        m[c] = new double[ls.size()];
        u[c] = new double[ls.size()];
        for (int l = 0; l < ls.size(); l++) {
          ln.add(ls.get(l).get("level").asText());
          m[c][l] = ls.get(l).get("m").asDouble();
          u[c][l] = ls.get(l).get("u").asDouble();
        }
        levels.add(ln);
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> training = root.has("training")
          ? Json.mapper().convertValue(root.get("training"), LinkedHashMap.class) : Map.of();
      return new MatchModel(names, levels, root.get("prior").asDouble(), m, u, root.get("config_sha256").asText(), training);
    } catch (java.io.IOException | RuntimeException e) {
      throw new IllegalArgumentException("not a lakecdp match model: " + e.getMessage(), e);
    }
  }

  /** SHA-256 of the parameters (prior, m, u, comparisons): equal for a model and its saved copy. */
  public String parametersSha256() {
    StringBuilder s = new StringBuilder(configHash).append('\n').append(Double.toString(prior));
    for (int c = 0; c < m.length; c++) {
      s.append('\n').append(names.get(c));
      for (int l = 0; l < m[c].length; l++) {
        s.append(' ').append(Double.toString(m[c][l])).append('/').append(Double.toString(u[c][l]));
      }
    }
    return InputFingerprint.sha256(s.toString());
  }

  /** Whether this model was trained for exactly these comparisons. */
  public boolean fits(List<Comparison> comparisons) {
    return configHash.equals(hashOf(comparisons));
  }

  /** SHA-256 of the comparisons' canonical text: names, kinds, fields, term-frequency flags, levels. */
  public static String hashOf(List<Comparison> comparisons) {
    StringBuilder s = new StringBuilder();
    for (Comparison c : comparisons) {
      s.append(c.name()).append('\u0001').append(c.kind()).append('\u0001').append(String.join("\u0002", c.fields()))
          .append('\u0001').append(c.termFrequency()).append('\u0001').append(String.join("\u0002", c.kind().levels()))
          .append('\n');
    }
    return InputFingerprint.sha256(s.toString());
  }
}
