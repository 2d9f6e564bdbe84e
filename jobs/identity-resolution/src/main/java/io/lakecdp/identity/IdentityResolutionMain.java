package io.lakecdp.identity;

import io.lakecdp.common.job.ExitCodes;
import io.lakecdp.common.job.JobMain;

/**
 * spark-submit entry point of identity resolution. Today it offers {@code evaluate}; the tenant run
 * ({@code --tenant}) that writes unified profiles is not built yet.
 */
public final class IdentityResolutionMain {
  private IdentityResolutionMain() {}

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("evaluate")) {
      JobMain.exit(new EvaluateCommand(), java.util.Arrays.copyOfRange(args, 1, args.length));
      return;
    }
    System.err.println("usage: identity-resolution evaluate --input FILE --id-column COL "
        + "(--truth-column COL | --truth-regex REGEX) --rules FILE\n"
        + "The tenant run (--tenant) that writes unified profiles is not available yet.");
    System.exit(ExitCodes.INVALID_INPUT);
  }
}
