package io.lakecdp.identity;

import io.lakecdp.common.normalize.Normalizer;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.text.similarity.JaroWinklerSimilarity;

/**
 * Decides a candidate pair. With rules only: field by field against the rules (AND within a rule, OR
 * across rules), unless a forbid rule holds. With comparisons: every comparison's level and weight from
 * the trained model, summed into a match weight; the pair matches when a match rule holds or the weight
 * reaches the threshold, and never when a forbid rule holds. Values are already normalized, in the
 * order of {@code fields}, followed by the term frequencies of the comparisons that use them.
 */
public final class PairScorer implements Serializable {
  private static final JaroWinklerSimilarity JARO_WINKLER = new JaroWinklerSimilarity();
  /** The rule name of a pair matched by its learned weight. */
  public static final String BY_WEIGHT = "weights";

  private final RuleSet rules;
  private final List<String> fields;
  // Per rule, per criterion: the value's position and the slot of its score (a field compared the
  // same way by several rules is scored once per pair).
  private final int[][] position;
  private final int[][] slot;
  private final int[][] swapPosition;
  private final String[] slotNames;
  private final int[][] comparisonPositions;
  private final int[] tfPosition;
  private final MatchModel model;
  private final double thresholdWeight;
  private final double keepWeight;

  public PairScorer(RuleSet rules, List<String> fields) {
    this(rules, fields, null, Double.NaN);
  }

  /** @param model the trained weights (null: rules only, or levels only while training) */
  public PairScorer(RuleSet rules, List<String> fields, MatchModel model) {
    this(rules, fields, model, Double.NaN);
  }

  /**
   * @param keepProbability with a model: pairs that did not match but reach this probability, or that a forbid
   *     rule kept apart, are kept too (evaluation across thresholds); NaN keeps matched pairs only
   */
  public PairScorer(RuleSet rules, List<String> fields, MatchModel model, double keepProbability) {
    this.rules = rules;
    this.fields = List.copyOf(fields);
    this.model = model;
    this.thresholdWeight = MatchModel.weightOf(rules.threshold());
    this.keepWeight = Double.isNaN(keepProbability) ? Double.NaN : MatchModel.weightOf(keepProbability);
    List<String> names = new java.util.ArrayList<>();
    position = new int[rules.rules().size()][];
    slot = new int[rules.rules().size()][];
    swapPosition = new int[rules.rules().size()][];
    for (int r = 0; r < position.length; r++) {
      List<MatchCriterion> criteria = rules.rules().get(r).criteria();
      position[r] = new int[criteria.size()];
      slot[r] = new int[criteria.size()];
      swapPosition[r] = new int[criteria.size()];
      for (int c = 0; c < criteria.size(); c++) {
        MatchCriterion mc = criteria.get(c);
        position[r][c] = this.fields.indexOf(mc.field());
        swapPosition[r][c] = mc.swapWith() == null ? -1 : this.fields.indexOf(mc.swapWith());
        String name = mc.field() + ":" + mc.method().name().toLowerCase(java.util.Locale.ROOT);
        if (!names.contains(name)) {
          names.add(name);
        }
        slot[r][c] = names.indexOf(name);
      }
    }
    slotNames = names.toArray(new String[0]);
    List<Comparison> comparisons = rules.comparisons();
    comparisonPositions = new int[comparisons.size()][];
    tfPosition = new int[comparisons.size()];
    int tf = 0;
    for (int c = 0; c < comparisons.size(); c++) {
      Comparison cmp = comparisons.get(c);
      comparisonPositions[c] = cmp.fields().stream().mapToInt(this.fields::indexOf).toArray();
      tfPosition[c] = cmp.usesTermFrequency() ? this.fields.size() + tf++ : -1;
    }
  }

  /** Positions of the term frequencies after the fields: one per comparison that uses them, in order. */
  static List<Comparison> termFrequencyComparisons(RuleSet rules) {
    return rules.comparisons().stream().filter(Comparison::usesTermFrequency).toList();
  }

  /**
   * A decided pair: the rule that matched it ({@link #BY_WEIGHT} for the learned weight, null when it did
   * not match), the forbid rule that kept it apart (or null), the score of every compared field (with
   * comparisons: each comparison's weight, {@code match_weight} and {@code match_probability}), and with
   * comparisons each one's level.
   */
  public record Decision(String rule, Map<String, Double> scores, Map<String, String> levels, String forbiddenBy) {
    public Decision(String rule, Map<String, Double> scores) {
      this(rule, scores, Map.of(), null);
    }
  }

  public Decision score(String[] a, String[] b) {
    return score(a, b, 0);
  }

  /** As {@link #score(String[], String[])}, with the values starting at {@code offset} in both arrays. */
  public Decision score(String[] a, String[] b, int offset) {
    Double[] scores = new Double[slotNames.length];
    boolean[] done = new boolean[slotNames.length];
    String fired = null;
    String forbidden = null;
    List<MatchRule> all = rules.rules();
    for (int r = 0; r < all.size() && forbidden == null; r++) {
      MatchRule rule = all.get(r);
      if (!rule.forbids() && fired != null) {
        continue;
      }
      List<MatchCriterion> criteria = rule.criteria();
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
        if (pass && swapPosition[r][c] >= 0) {
          String sx = a[swapPosition[r][c] + offset];
          String sy = b[swapPosition[r][c] + offset];
          boolean swapped = sx != null && sy != null && passes(fuzzyOf(mc), x, sy, similarity(fuzzyOf(mc), x, sy))
              && passes(fuzzyOf(mc), y, sx, similarity(fuzzyOf(mc), y, sx));
          pass = !swapped;
        }
      }
      if (pass) {
        if (rule.forbids()) {
          forbidden = rule.name();
        } else {
          fired = rule.name();
        }
      }
    }
    Map<String, Double> out = new LinkedHashMap<>();
    for (int k = 0; k < slotNames.length; k++) {
      if (scores[k] != null) {
        out.put(slotNames[k], scores[k]);
      }
    }
    Map<String, String> levelNames = Map.of();
    if (model != null) {
      levelNames = new LinkedHashMap<>();
      double weight = model.priorWeight();
      List<Comparison> comparisons = rules.comparisons();
      boolean swapCounted = false;
      for (int c = 0; c < comparisons.size(); c++) {
        int level = comparisons.get(c).level(a, b, offset(comparisonPositions[c], offset));
        double w = model.weight(c, level, level == 0 ? tf(a, c, offset) : Double.NaN);
        if (comparisons.get(c).kind() == Comparison.Kind.NAME && level == Comparison.NAME_SWAPPED) {
          // The given name and surname comparisons both see one crossing-over: it is one piece of evidence, and
          // counted twice it would outweigh two exact names (namesakes, one of them swapped, would merge).
          w = swapCounted ? 0.0 : w;
          swapCounted = true;
        }
        weight += w;
        out.put(comparisons.get(c).name(), w);
        levelNames.put(comparisons.get(c).name(), comparisons.get(c).levelName(level));
      }
      out.put("match_weight", weight);
      out.put("match_probability", MatchModel.probability(weight));
      if (fired == null && weight >= thresholdWeight) {
        fired = BY_WEIGHT;
      }
    }
    return new Decision(forbidden != null ? null : fired, out, levelNames, forbidden);
  }

  /** Whether a pair that did not match is kept all the same (see {@code keepProbability}). */
  boolean keeps(Decision d) {
    Double w = d.scores().get("match_weight");
    return !Double.isNaN(keepWeight) && w != null && (d.forbiddenBy() != null || w >= keepWeight);
  }

  /** The weight a pair needs to match. */
  double thresholdWeight() {
    return thresholdWeight;
  }

  /** The level of every comparison (for training), in the order of the rule set's comparisons. */
  public int[] levels(String[] a, String[] b, int offset) {
    List<Comparison> comparisons = rules.comparisons();
    int[] out = new int[comparisons.size()];
    for (int c = 0; c < out.length; c++) {
      out[c] = comparisons.get(c).level(a, b, offset(comparisonPositions[c], offset));
    }
    return out;
  }

  List<Comparison> comparisons() {
    return rules.comparisons();
  }

  /** Where comparison {@code c} reads its fields in a record (without an offset). */
  int[] positions(int c) {
    return comparisonPositions[c].clone();
  }

  /** The term frequency of record {@code a}'s value of comparison {@code c}, NaN when it has none. */
  private double tf(String[] a, int c, int offset) {
    if (tfPosition[c] < 0) {
      return Double.NaN;
    }
    String v = a[tfPosition[c] + offset];
    return v == null ? Double.NaN : Double.parseDouble(v);
  }

  private static int[] offset(int[] positions, int offset) {
    if (offset == 0) {
      return positions;
    }
    int[] out = new int[positions.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = positions[i] + offset;
    }
    return out;
  }

  /** Swapped names are recognised only when close at high precision ("maria" is not "martinez" swapped in). */
  private static MatchCriterion fuzzyOf(MatchCriterion c) {
    return new MatchCriterion(c.field(), MatchCriterion.Method.FUZZY, MatchCriterion.Precision.HIGH, c.normalizer(), false,
        c.nicknames(), false, null);
  }

  static boolean passes(MatchCriterion c, String a, String b, Double score) {
    if (a == null || b == null) {
      return c.method() != MatchCriterion.Method.DIFFERENT && c.method() != MatchCriterion.Method.PRESENT
          && c.matchOnBlank();
    }
    if (c.method() == MatchCriterion.Method.PRESENT) {
      return true;
    }
    if (c.exact()) {
      return score == 1.0;
    }
    boolean close = c.normalizer() == Normalizer.NONE || c.normalizer() == Normalizer.DATE
        || c.normalizer() == Normalizer.CODE
        ? score == 1.0 || minEditDistance(a, b) <= c.precision().edits : score >= c.precision().threshold;
    return c.method() == MatchCriterion.Method.DIFFERENT ? !close : close;
  }

  /** Similarity in [0, 1], the best over all pairs of values of multi-valued fields; null when either is blank. */
  static Double similarity(MatchCriterion c, String a, String b) {
    if (a == null || b == null) {
      return null;
    }
    if (a.contains(Comparison.MULTI) || b.contains(Comparison.MULTI)) {
      Double best = null;
      for (String x : a.split(Comparison.MULTI)) {
        for (String y : b.split(Comparison.MULTI)) {
          if (!x.isEmpty() && !y.isEmpty()) {
            double s = singleSimilarity(c, x, y);
            best = best == null ? s : Math.max(best, s);
          }
        }
      }
      return best;
    }
    return singleSimilarity(c, a, b);
  }

  private static double minEditDistance(String a, String b) {
    int best = Integer.MAX_VALUE;
    for (String x : a.split(Comparison.MULTI)) {
      for (String y : b.split(Comparison.MULTI)) {
        if (!x.isEmpty() && !y.isEmpty()) {
          best = Math.min(best, editDistance(x, y));
        }
      }
    }
    return best;
  }

  private static double singleSimilarity(MatchCriterion c, String a, String b) {
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
    if (c.normalizer() == Normalizer.NONE || c.normalizer() == Normalizer.DATE || c.normalizer() == Normalizer.CODE) {
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

  /**
   * Whether {@link #editDistance} is at most {@code k}, without filling the whole table: strings whose lengths differ
   * by more than k are apart, and the rows stop as soon as one holds nothing within k (a row's values never fall
   * below the smallest of the row before, nor, through a transposition, below the row before that plus one).
   */
  static boolean withinEdits(String a, String b, int k) {
    int n = a.length();
    int m = b.length();
    if (Math.abs(n - m) > k) {
      return false;
    }
    if (a.equals(b)) {
      return true;
    }
    int[] before = new int[m + 1];
    int[] prev = new int[m + 1];
    int[] cur = new int[m + 1];
    for (int j = 0; j <= m; j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= n; i++) {
      cur[0] = i;
      int rowMin = i;
      char ca = a.charAt(i - 1);
      for (int j = 1; j <= m; j++) {
        char cb = b.charAt(j - 1);
        int v = Math.min(Math.min(prev[j] + 1, cur[j - 1] + 1), prev[j - 1] + (ca == cb ? 0 : 1));
        if (i > 1 && j > 1 && ca == b.charAt(j - 2) && a.charAt(i - 2) == cb) {
          v = Math.min(v, before[j - 2] + 1);
        }
        cur[j] = v;
        rowMin = Math.min(rowMin, v);
      }
      if (rowMin > k) {
        return false;
      }
      int[] t = before;
      before = prev;
      prev = cur;
      cur = t;
    }
    return prev[m] <= k;
  }

  /** One of the two is a single letter that begins the other. */
  static boolean isInitialOf(String a, String b) {
    return (a.length() == 1 && b.startsWith(a)) || (b.length() == 1 && a.startsWith(b));
  }

  private static String firstToken(String s) {
    int space = s.indexOf(' ');
    return space < 0 ? s : s.substring(0, space);
  }
}
