package io.lakecdp.identity;

import java.util.List;

/**
 * Expectation-maximisation of a two-class mixture over comparison patterns (conditional independence
 * of comparisons given the class): estimates the share of matches λ, the m probabilities of every level
 * among matches and the u probabilities among non-matches, from pattern counts alone (no labels).
 * Comparisons marked inactive (for example the one a training block was formed on) are left out.
 */
final class ExpectationMaximisation {
  private static final double SMOOTHING = 1e-3;

  private ExpectationMaximisation() {}

  /** A comparison pattern (level per comparison, {@link Comparison#MISSING} allowed) and how many pairs show it. */
  record Pattern(int[] levels, long count) {}

  record Estimate(double lambda, double[][] m, double[][] u, int iterations, double logLikelihood, long pairs) {
    double expectedMatches() {
      return lambda * pairs;
    }
  }

  /**
   * @param levelCounts number of levels of each comparison
   * @param active which comparisons take part
   * @param initialU starting u per comparison and level (population u from random pairs)
   */
  static Estimate run(List<Pattern> patterns, int[] levelCounts, boolean[] active, double[][] initialU, int maxIterations) {
    int k = levelCounts.length;
    double[][] m = new double[k][];
    double[][] u = new double[k][];
    for (int c = 0; c < k; c++) {
      m[c] = priorM(levelCounts[c]);
      u[c] = initialU[c].clone();
    }
    double lambda = 0.3;
    double previous = Double.NEGATIVE_INFINITY;
    long pairs = 0;
    for (Pattern p : patterns) {
      pairs += p.count();
    }
    int iteration = 0;
    double ll = 0;
    while (iteration < maxIterations && pairs > 0) {
      iteration++;
      double[][] mNum = new double[k][];
      double[][] uNum = new double[k][];
      for (int c = 0; c < k; c++) {
        mNum[c] = new double[levelCounts[c]];
        uNum[c] = new double[levelCounts[c]];
      }
      double matches = 0;
      ll = 0;
      for (Pattern p : patterns) {
        double pm = lambda;
        double pu = 1 - lambda;
        for (int c = 0; c < k; c++) {
          int l = p.levels()[c];
          if (active[c] && l >= 0) {
            pm *= m[c][l];
            pu *= u[c][l];
          }
        }
        double total = pm + pu;
        double w = total == 0 ? 0 : pm / total;
        ll += p.count() * Math.log(Math.max(total, Double.MIN_VALUE));
        matches += w * p.count();
        for (int c = 0; c < k; c++) {
          int l = p.levels()[c];
          if (active[c] && l >= 0) {
            mNum[c][l] += w * p.count();
            uNum[c][l] += (1 - w) * p.count();
          }
        }
      }
      lambda = Math.min(1 - 1e-9, Math.max(1e-9, matches / pairs));
      for (int c = 0; c < k; c++) {
        if (active[c]) {
          m[c] = normalized(mNum[c]);
          u[c] = normalized(uNum[c]);
        }
      }
      if (Math.abs(ll - previous) <= 1e-7 * Math.abs(ll)) {
        break;
      }
      previous = ll;
    }
    return new Estimate(lambda, m, u, iteration, ll, pairs);
  }

  /** Starting m: most matches agree exactly, fewer at each weaker level. */
  static double[] priorM(int levels) {
    double[] m = new double[levels];
    double rest = 0.1;
    m[0] = 0.9;
    for (int l = 1; l < levels; l++) {
      m[l] = rest / Math.pow(2, l) + 1e-4;
    }
    return normalized(m);
  }

  private static double[] normalized(double[] counts) {
    double sum = 0;
    for (double v : counts) {
      sum += v + SMOOTHING;
    }
    double[] out = new double[counts.length];
    for (int i = 0; i < counts.length; i++) {
      out[i] = (counts[i] + SMOOTHING) / sum;
    }
    return out;
  }
}
