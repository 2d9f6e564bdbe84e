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
}
