package io.lakecdp.common.job;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The outcome of one job run: the {@code job_runs} row and the JSON line a run ends with. {@code skipped} (null when
 * the job did work) says why a run found nothing to do; the pipeline prints it.
 */
public record RunSummary(String job, String tenant, String runId, long startedAtMs, long endedAtMs,
    String status, int exitCode, String error, String skipped, long rowsIn, long rowsOut, long rowsQuarantined,
    Map<String, Long> metrics, Map<String, Object> details) {

  public String toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("lakecdp_summary", 1);
    m.put("job", job);
    m.put("tenant", tenant);
    m.put("run_id", runId);
    m.put("status", status);
    m.put("exit_code", exitCode);
    m.put("duration_ms", endedAtMs - startedAtMs);
    m.put("rows_in", rowsIn);
    m.put("rows_out", rowsOut);
    m.put("rows_quarantined", rowsQuarantined);
    if (error != null) {
      m.put("error", error);
    }
    if (skipped != null) {
      m.put("skipped", skipped);
    }
    m.put("metrics", metrics);
    m.put("details", details);
    return Json.write(m);
  }
}
