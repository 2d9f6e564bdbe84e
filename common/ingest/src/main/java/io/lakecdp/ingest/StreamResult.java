package io.lakecdp.ingest;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.lakecdp.common.job.Json;
import java.util.List;
import java.util.Map;

/**
 * What one stream's batch did. {@code status}: loaded, up_to_date, already_committed or failed. {@code load}, for a
 * loaded batch: {@code one_pass} (an empty DLO: read, counted and written at once, then published) or {@code cached}
 * (read into a cache, counted, then merged, appended or replaced).
 */
public record StreamResult(@JsonIgnore String stream, String status, int files, long recordsRead, long rowsLoaded,
    long rowsQuarantined, @JsonProperty("delete_requests") long rowsDeleted, List<String> schemaChanges,
    long durationMs, @JsonInclude(JsonInclude.Include.NON_NULL) String error,
    @JsonInclude(JsonInclude.Include.NON_NULL) String load) {

  /** Its summary details (the stream's name is their key). */
  public Map<String, Object> toMap() {
    return Json.fields(this);
  }
}
