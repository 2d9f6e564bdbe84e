package io.lakecdp.identity;

import io.lakecdp.common.job.JobMain;

/** spark-submit entry point of identity resolution: the tenant run, or {@code evaluate} as first argument. */
public final class IdentityResolutionMain {
  private IdentityResolutionMain() {}

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("evaluate")) {
      JobMain.exit(new EvaluateCommand(), java.util.Arrays.copyOfRange(args, 1, args.length));
      return;
    }
    JobMain.exit(new IdentityResolutionCommand(), args);
  }
}
