package io.lakecdp.common.job;

/** Input data or options a job cannot process as given (exit code 2), found while running. */
public class InvalidInputException extends RuntimeException {
  private final transient JobResult partial;

  public InvalidInputException(String message) {
    this(message, null);
  }

  /** @param partial what the run did before it stopped, for the summary line (may be null) */
  public InvalidInputException(String message, JobResult partial) {
    super(message);
    this.partial = partial;
  }

  public JobResult partial() {
    return partial;
  }
}
