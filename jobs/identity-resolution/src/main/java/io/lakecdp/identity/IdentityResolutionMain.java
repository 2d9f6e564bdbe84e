package io.lakecdp.identity;

import io.lakecdp.common.job.JobMain;

/**
 * spark-submit entry point of identity resolution: the tenant run, or {@code evaluate}, {@code train} or
 * {@code explain-pair} as first argument.
 */
public final class IdentityResolutionMain {
  private IdentityResolutionMain() {}

  public static void main(String[] args) {
    String[] rest = args.length > 0 ? java.util.Arrays.copyOfRange(args, 1, args.length) : args;
    switch (args.length > 0 ? args[0] : "") {
      case "evaluate" -> JobMain.exit(new EvaluateCommand(), rest);
      case "train" -> JobMain.exit(new TrainCommand(), rest);
      case "explain-pair" -> JobMain.exit(new ExplainPairCommand(), rest);
      default -> JobMain.exit(new IdentityResolutionCommand(), args);
    }
  }
}
