package io.lakecdp.ingest;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What one stream's batch did. {@code status}: loaded, up_to_date, already_committed or failed. */
public record StreamResult(String stream, String status, int files, long recordsRead, long rowsLoaded,
    long rowsQuarantined, long rowsDeleted, List<String> schemaChanges, long durationMs, String error) {

  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("status", status);
    m.put("files", files);
    m.put("records_read", recordsRead);
    m.put("rows_loaded", rowsLoaded);
    m.put("rows_quarantined", rowsQuarantined);
    m.put("delete_requests", rowsDeleted);
    m.put("schema_changes", schemaChanges);
    m.put("duration_ms", durationMs);
    if (error != null) {
      m.put("error", error);
    }
    return m;
  }
}
