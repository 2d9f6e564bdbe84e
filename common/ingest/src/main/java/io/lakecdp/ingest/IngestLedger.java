package io.lakecdp.ingest;

import io.lakecdp.common.lake.CommitKeys;
import io.lakecdp.common.lake.Lake;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.iceberg.Snapshot;

/**
 * Which landing files a DLO already holds. The list of files of each batch is written into the
 * snapshot summary of the very commit that adds the batch's rows, so data and bookkeeping commit
 * atomically: a job killed before the commit leaves neither, a job killed after leaves both.
 */
final class IngestLedger {

  private final Set<String> ingested = new HashSet<>();
  private final Set<String> runIds = new HashSet<>();

  private IngestLedger() {}

  static IngestLedger read(Lake lake, String table) {
    IngestLedger ledger = new IngestLedger();
    if (!lake.exists(table)) {
      return ledger;
    }
    List<Snapshot> history = lake.history(table);
    for (Snapshot s : history) {
      String files = s.summary().get(CommitKeys.INGESTED_FILES);
      if (files != null && !files.isEmpty()) {
        for (String id : files.split("\n")) {
          ledger.ingested.add(id);
        }
      }
      String run = s.summary().get(CommitKeys.RUN_ID);
      if (run != null && s.summary().containsKey(CommitKeys.BATCH_ID)) {
        ledger.runIds.add(run);
      }
    }
    return ledger;
  }

  boolean contains(LandingFile file) {
    return ingested.contains(file.identity());
  }

  boolean committedBy(String runId) {
    return runIds.contains(runId);
  }

  static String encode(List<LandingFile> files) {
    StringBuilder sb = new StringBuilder();
    for (LandingFile f : files) {
      if (sb.length() > 0) {
        sb.append('\n');
      }
      sb.append(f.identity());
    }
    return sb.toString();
  }
}
