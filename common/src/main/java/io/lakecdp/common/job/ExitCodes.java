package io.lakecdp.common.job;

/** Exit codes of every lakecdp job: what an orchestrator (Airflow, EMR steps) branches on. */
public final class ExitCodes {
  public static final int OK = 0;
  /** The job failed while running (Spark, storage, a bug): retrying may help. */
  public static final int RUNTIME_FAILURE = 1;
  /** The input or configuration is invalid: retrying will not help until it is fixed. */
  public static final int INVALID_INPUT = 2;

  private ExitCodes() {}
}
