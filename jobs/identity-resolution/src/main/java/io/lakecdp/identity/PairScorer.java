package io.lakecdp.identity;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.text.similarity.JaroWinklerSimilarity;

/**
 * Scores a candidate pair field by field and evaluates the rules (AND within a rule, OR across
 * rules). Values are already normalized, in the order of {@code fields}.
 */
public final class PairScorer implements Serializable {
  private static final JaroWinklerSimilarity JARO_WINKLER = new JaroWinklerSimilarity();

  private final RuleSet rules;
  private final List<String> fields;

  public PairScorer(RuleSet rules, List<String> fields) {
    this.rules = rules;
    this.fields = List.copyOf(fields);
  }

  /** A decided pair: the first rule that fired (null when none did) and the score of every compared field. */
  public record Decision(String rule, Map<String, Double> scores) {}

  public Decision score(String[] a, String[] b) {
    Map<String, Double> scores = new LinkedHashMap<>();
    String fired = null;
    for (MatchRule rule : rules.rules()) {
      boolean all = true;
      for (MatchCriterion c : rule.criteria()) {
        int i = fields.indexOf(c.field());
        Double s = scores.computeIfAbsent(c.field() + ":" + c.method().name().toLowerCase(),
            k -> similarity(c, a[i], b[i]));
        if (!passes(c, a[i], b[i], s)) {
          all = false;
          break;
        }
      }
      if (all) {
        fired = rule.name();
        break;
      }
    }
    scores.values().removeIf(java.util.Objects::isNull);
    return new Decision(fired, scores);
  }

  static boolean passes(MatchCriterion c, String a, String b, Double score) {
    if (a == null || b == null) {
      return c.matchOnBlank();
    }
    if (c.exact()) {
      return score == 1.0;
    }
    if (c.normalizer() == Normalizer.NONE) {
      return editDistance(a, b) <= c.precision().edits;
    }
    return score >= c.precision().threshold;
  }

  /** Similarity in [0, 1]; null when either value is blank. */
  static Double similarity(MatchCriterion c, String a, String b) {
    if (a == null || b == null) {
      return null;
    }
    if (a.equals(b)) {
      return 1.0;
    }
    if (c.exact()) {
      return 0.0;
    }
    if (c.field().indexOf('+') > 0) {
      return tokenSetSimilarity(a, b);
    }
    if (c.nicknames() && Nicknames.equivalent(firstToken(a), firstToken(b))) {
      return 1.0;
    }
    if (c.initials() && isInitialOf(a, b)) {
      return 1.0;
    }
    if (c.normalizer() == Normalizer.NONE) {
      return 1.0 - editDistance(a, b) / (double) Math.max(a.length(), b.length());
    }
    return JARO_WINKLER.apply(a, b);
  }

  /**
   * For token sets (composite fields): every token of each set must have a close token in the other;
   * the weakest of those best matches is the similarity, so one shared name is not enough.
   */
  static double tokenSetSimilarity(String a, String b) {
    String[] x = a.split(" ");
    String[] y = b.split(" ");
    return Math.min(weakestBestMatch(x, y), weakestBestMatch(y, x));
  }

  private static double weakestBestMatch(String[] from, String[] to) {
    double weakest = 1.0;
    for (String tx : from) {
      double best = 0;
      for (String ty : to) {
        best = Math.max(best, Nicknames.equivalent(tx, ty) ? 1.0 : JARO_WINKLER.apply(tx, ty));
      }
      weakest = Math.min(weakest, best);
    }
    return weakest;
  }

  /** Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions. */
  static int editDistance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }

  private static boolean isInitialOf(String a, String b) {
    return (a.length() == 1 && b.startsWith(a)) || (b.length() == 1 && a.startsWith(b));
  }

  private static String firstToken(String s) {
    int space = s.indexOf(' ');
    return space < 0 ? s : s.substring(0, space);
  }
}
