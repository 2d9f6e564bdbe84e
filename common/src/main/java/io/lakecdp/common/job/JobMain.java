package io.lakecdp.common.job;

import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;

/** Runs a job command from a {@code main} method: parse, run, stop Spark, exit with the job's code. */
public final class JobMain {
  private static final java.util.concurrent.CountDownLatch FINISHED = new java.util.concurrent.CountDownLatch(1);
  private static volatile int finishedCode = ExitCodes.RUNTIME_FAILURE;

  private JobMain() {}

  /** Parses and runs; returns the exit code without exiting (what tests call). */
  public static int run(Object command, String... args) {
    return run(command, null, null, args);
  }

  /** As {@link #run(Object, String...)}, writing the command's output and errors to the given writers. */
  public static int run(Object command, java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
    CommandLine cli = new CommandLine(command);
    if (out != null) {
      cli.setOut(out);
    }
    if (err != null) {
      cli.setErr(err);
    }
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    // the descriptions are written in lines of up to 120 characters
    cli.setUsageHelpWidth(120);
    // picocli already exits 2 on a usage error and 1 on an exception; both match ExitCodes.
    return cli.execute(args);
  }

  /** For {@code main}: runs, stops the session, and exits the JVM with the job's code. */
  public static void exit(Object command, String... args) {
    int code = run(command, args);
    if (SparkSession.getDefaultSession().isDefined()) {
      SparkSession.getDefaultSession().get().stop();
    }
    finishedCode = code;
    FINISHED.countDown();
    System.exit(code);
  }

  /**
   * For a shutdown hook of a job that stops gracefully on SIGTERM: waits until {@link #exit} has run the job to its
   * end (summary printed, session stopped), then ends the JVM with the job's exit code rather than the signal's.
   * Returns without halting when the job does not finish in time (or does not run through {@link #exit}).
   */
  public static void awaitExitAndHalt(long timeoutSeconds) {
    try {
      if (FINISHED.await(timeoutSeconds, java.util.concurrent.TimeUnit.SECONDS)) {
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(finishedCode);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
