package io.lakecdp.bench;

/** Wall-clock timing for the benchmarks. */
public final class Stopwatch {
  private Stopwatch() {}

  /** Runs {@code work} and returns how long it took, in seconds. */
  public static double seconds(Runnable work) {
    long start = System.nanoTime();
    work.run();
    return (System.nanoTime() - start) / 1e9;
  }

  /**
   * Times both sides of a comparison in round {@code round}, the side that goes first alternating from round to round
   * (ours first in even rounds), so neither always inherits the other's leftovers (garbage, warm caches).
   *
   * @return the seconds of ours and of the baseline
   */
  public static double[] inTurn(int round, Runnable ours, Runnable baseline) {
    double[] t = new double[2];
    if (round % 2 == 0) {
      t[0] = seconds(ours);
      t[1] = seconds(baseline);
    } else {
      t[1] = seconds(baseline);
      t[0] = seconds(ours);
    }
    return t;
  }
}
