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
    // picocli already exits 2 on a usage error and 1 on an exception; both match ExitCodes.
    return cli.execute(args);
  }

  /**
   * For the {@code main} of a job with subcommands ({@code segmentation publish|explain}, {@code privacy
   * forget|export}): runs the one named first through {@link #exit}; otherwise prints {@code usage} (to standard
   * output for --help, exit 0; to standard error, exit 2).
   */
  public static void exitSubcommand(String[] args, java.util.Map<String, java.util.function.Supplier<Object>> commands,
      String usage) {
    if (args.length > 0 && commands.containsKey(args[0])) {
      exit(commands.get(args[0]).get(), java.util.Arrays.copyOfRange(args, 1, args.length));
      return;
    }
    boolean help = args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"));
    (help ? System.out : System.err).println(usage + "\n(either with --help for every option)");
    System.exit(help ? ExitCodes.OK : ExitCodes.INVALID_INPUT);
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
