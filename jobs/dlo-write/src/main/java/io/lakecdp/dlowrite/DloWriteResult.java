package io.lakecdp.dlowrite;

import io.lakecdp.common.job.JobResult;
import io.lakecdp.ingest.StreamResult;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The outcome of a dlo-write run: one {@link StreamResult} per stream. */
public record DloWriteResult(List<StreamResult> streams) implements JobResult {
  @Override
  public long rowsIn() {
    return streams.stream().mapToLong(StreamResult::recordsRead).sum();
  }

  @Override
  public long rowsOut() {
    return streams.stream().mapToLong(StreamResult::rowsLoaded).sum();
  }

  @Override
  public long rowsQuarantined() {
    return streams.stream().mapToLong(StreamResult::rowsQuarantined).sum();
  }

  /** Skipped when every stream was already up to date: no new landing files anywhere. */
  @Override
  public String skipReason() {
    return !streams.isEmpty() && streams.stream().allMatch(s -> s.status().equals("up_to_date"))
        ? "no new landing files" : null;
  }

  public List<StreamResult> failed() {
    return streams.stream().filter(s -> s.error() != null).toList();
  }

  @Override
  public Map<String, Object> details() {
    Map<String, Object> m = new LinkedHashMap<>();
    Map<String, Object> per = new LinkedHashMap<>();
    streams.forEach(s -> per.put(s.stream(), s.toMap()));
    m.put("streams", per);
    return m;
  }
}
