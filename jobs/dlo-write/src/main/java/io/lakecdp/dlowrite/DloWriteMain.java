package io.lakecdp.dlowrite;

import io.lakecdp.common.job.JobMain;

/** spark-submit entry point of the dlo-write job. */
public final class DloWriteMain {
  private DloWriteMain() {}

  public static void main(String[] args) {
    JobMain.exit(new DloWriteCommand(), args);
  }
}
