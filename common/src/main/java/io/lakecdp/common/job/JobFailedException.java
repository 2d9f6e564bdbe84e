package io.lakecdp.common.job;

/** A run that failed (exit code 1) after doing part of its work, which it reports. */
public class JobFailedException extends RuntimeException {
  private final transient JobResult partial;

  public JobFailedException(String message, JobResult partial) {
    super(message);
    this.partial = partial;
  }

  public JobResult partial() {
    return partial;
  }
}
