package io.lakecdp.common.job;

import java.util.Map;

/** What a job run did, in the shape telemetry records for every job. */
public interface JobResult {
  /** The skip reason of a stage whose inputs (snapshots, configuration) match those of its last successful run. */
  String INPUTS_UNCHANGED = "inputs unchanged since the last successful run";

  long rowsIn();

  long rowsOut();

  default long rowsQuarantined() {
    return 0;
  }

  /** Job-specific facts for the summary line (per-table counts, skipped work, ...). */
  Map<String, Object> details();

  /**
   * Why the run had nothing to do ("inputs unchanged", "no new landing files"), or null when it did work: the summary
   * line's top-level {@code skipped}.
   */
  default String skipReason() {
    return null;
  }

  /** A run that found nothing to do, with the reason and the details of what it compared. */
  static JobResult skipped(String reason, Map<String, Object> details) {
    return new Fixed(0, 0, 0, details, reason);
  }

  /** A result of fixed figures. */
  static JobResult of(long rowsIn, long rowsOut, Map<String, Object> details) {
    return of(rowsIn, rowsOut, 0, details);
  }

  /** A result of fixed figures, with records quarantined. */
  static JobResult of(long rowsIn, long rowsOut, long rowsQuarantined, Map<String, Object> details) {
    return new Fixed(rowsIn, rowsOut, rowsQuarantined, details, null);
  }

  /** What {@link #of} and {@link #skipped} return. */
  record Fixed(long rowsIn, long rowsOut, long rowsQuarantined, Map<String, Object> details, String skipReason)
      implements JobResult {}
}
