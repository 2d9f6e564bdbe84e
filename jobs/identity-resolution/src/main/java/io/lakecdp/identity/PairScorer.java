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
  // Per rule, per criterion: the value's position and the slot of its score (a field compared the
  // same way by several rules is scored once per pair).
  private final int[][] position;
  private final int[][] slot;
  private final String[] slotNames;

  public PairScorer(RuleSet rules, List<String> fields) {
    this.rules = rules;
    this.fields = List.copyOf(fields);
    List<String> names = new java.util.ArrayList<>();
    position = new int[rules.rules().size()][];
    slot = new int[rules.rules().size()][];
    for (int r = 0; r < position.length; r++) {
      List<MatchCriterion> criteria = rules.rules().get(r).criteria();
      position[r] = new int[criteria.size()];
      slot[r] = new int[criteria.size()];
      for (int c = 0; c < criteria.size(); c++) {
        MatchCriterion mc = criteria.get(c);
        position[r][c] = this.fields.indexOf(mc.field());
        String name = mc.field() + ":" + mc.method().name().toLowerCase(java.util.Locale.ROOT);
        if (!names.contains(name)) {
          names.add(name);
        }
        slot[r][c] = names.indexOf(name);
      }
    }
    slotNames = names.toArray(new String[0]);
  }

  /** A decided pair: the first rule that fired (null when none did) and the score of every compared field. */
  public record Decision(String rule, Map<String, Double> scores) {}

  public Decision score(String[] a, String[] b) {
    return score(a, b, 0);
  }

  /** As {@link #score(String[], String[])}, with the values starting at {@code offset} in both arrays. */
  public Decision score(String[] a, String[] b, int offset) {
    Double[] scores = new Double[slotNames.length];
    boolean[] done = new boolean[slotNames.length];
    String fired = null;
    List<MatchRule> all = rules.rules();
    for (int r = 0; r < all.size() && fired == null; r++) {
      List<MatchCriterion> criteria = all.get(r).criteria();
      boolean pass = true;
      for (int c = 0; c < criteria.size() && pass; c++) {
        MatchCriterion mc = criteria.get(c);
        String x = a[position[r][c] + offset];
        String y = b[position[r][c] + offset];
        int k = slot[r][c];
        if (!done[k]) {
          scores[k] = similarity(mc, x, y);
          done[k] = true;
        }
        pass = passes(mc, x, y, scores[k]);
      }
      if (pass) {
        fired = all.get(r).name();
      }
    }
    Map<String, Double> out = new LinkedHashMap<>();
    for (int k = 0; k < slotNames.length; k++) {
      if (scores[k] != null) {
        out.put(slotNames[k], scores[k]);
      }
    }
    return new Decision(fired, out);
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
