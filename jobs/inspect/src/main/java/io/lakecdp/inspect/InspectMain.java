package io.lakecdp.inspect;

import io.lakecdp.common.job.JobMain;

/** spark-submit entry point of the inspect job. */
public final class InspectMain {
  private InspectMain() {}

  public static void main(String[] args) {
    JobMain.exit(new InspectCommand(), args);
  }
}
