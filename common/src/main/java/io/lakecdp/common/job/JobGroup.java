package io.lakecdp.common.job;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The command of a job that is a group of subcommands ({@code segmentation publish|explain}, {@code privacy
 * forget|export}), declared as picocli subcommands in its {@code @Command}. Run without one, it names them (exit 2).
 */
public abstract class JobGroup implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Name a subcommand: "
        + String.join(", ", spec.subcommands().keySet()) + " (each with --help for its options)");
  }
}
