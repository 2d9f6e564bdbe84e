package io.lakecdp.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** EM on pairs drawn from known m and u: the estimates land near the truth, without labels. */
class ExpectationMaximisationTest {
  @Test
  void recoversKnownMAndU() {
    double lambda = 0.2;
    double[][] m = {{0.85, 0.10, 0.05}, {0.9, 0.1}, {0.7, 0.2, 0.1}};
    double[][] u = {{0.02, 0.08, 0.90}, {0.05, 0.95}, {0.1, 0.3, 0.6}};
    Random random = new Random(7);
    Map<String, long[]> counts = new HashMap<>();
    Map<String, int[]> byKey = new HashMap<>();
    for (int i = 0; i < 200_000; i++) {
      boolean match = random.nextDouble() < lambda;
      int[] levels = new int[3];
      for (int c = 0; c < 3; c++) {
        double[] p = match ? m[c] : u[c];
        double x = random.nextDouble();
        int l = 0;
        while (l < p.length - 1 && x >= p[l]) {
          x -= p[l];
          l++;
        }
        levels[c] = random.nextDouble() < 0.05 ? Comparison.MISSING : l;
      }
      String key = java.util.Arrays.toString(levels);
      counts.computeIfAbsent(key, k -> new long[1])[0]++;
      byKey.put(key, levels);
    }
    List<ExpectationMaximisation.Pattern> patterns = new ArrayList<>();
    counts.forEach((k, n) -> patterns.add(new ExpectationMaximisation.Pattern(byKey.get(k), n[0])));
    double[][] start = {{1 / 3.0, 1 / 3.0, 1 / 3.0}, {0.5, 0.5}, {1 / 3.0, 1 / 3.0, 1 / 3.0}};
    ExpectationMaximisation.Estimate e = ExpectationMaximisation.run(patterns, new int[] {3, 2, 3},
        new boolean[] {true, true, true}, start, 500);
    assertEquals(lambda, e.lambda(), 0.02);
    for (int c = 0; c < 3; c++) {
      for (int l = 0; l < m[c].length; l++) {
        assertEquals(m[c][l], e.m()[c][l], 0.03, "m of comparison " + c + " level " + l);
        assertEquals(u[c][l], e.u()[c][l], 0.03, "u of comparison " + c + " level " + l);
      }
    }
  }

  @Test
  void inactiveComparisonsAreLeftAlone() {
    List<ExpectationMaximisation.Pattern> patterns = List.of(
        new ExpectationMaximisation.Pattern(new int[] {0, 0}, 90), new ExpectationMaximisation.Pattern(new int[] {1, 0}, 910));
    double[][] start = {{0.1, 0.9}, {0.3, 0.7}};
    ExpectationMaximisation.Estimate e = ExpectationMaximisation.run(patterns, new int[] {2, 2},
        new boolean[] {true, false}, start, 100);
    assertEquals(0.3, e.u()[1][0], 1e-12, "the blocked comparison keeps its starting u");
  }
}
