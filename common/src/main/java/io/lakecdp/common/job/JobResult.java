package io.lakecdp.common.job;

import java.util.Map;

/** What a job run did, in the shape telemetry records for every job. */
public interface JobResult {
  long rowsIn();

  long rowsOut();

  default long rowsQuarantined() {
    return 0;
  }

  /** Job-specific facts for the summary line (per-table counts, skipped work, ...). */
  Map<String, Object> details();

  /** A result of fixed figures. */
  static JobResult of(long rowsIn, long rowsOut, Map<String, Object> details) {
    return of(rowsIn, rowsOut, 0, details);
  }

  /** A result of fixed figures, with records quarantined. */
  static JobResult of(long rowsIn, long rowsOut, long rowsQuarantined, Map<String, Object> details) {
    return new JobResult() {
      @Override
      public long rowsQuarantined() {
        return rowsQuarantined;
      }

      @Override
      public long rowsIn() {
        return rowsIn;
      }

      @Override
      public long rowsOut() {
        return rowsOut;
      }

      @Override
      public Map<String, Object> details() {
        return details;
      }
    };
  }
}
