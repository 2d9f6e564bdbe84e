package io.lakecdp.maintain;

import io.lakecdp.common.job.JobContext;
import io.lakecdp.common.job.JobResult;
import io.lakecdp.common.job.Json;
import io.lakecdp.common.lake.TenantTables;
import io.lakecdp.ingest.IngestLedger;
import io.lakecdp.ingest.StreamIngest;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.actions.DeleteOrphanFiles;
import org.apache.iceberg.spark.actions.SparkActions;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maintains a tenant's tables, one at a time: the ingest ledger first (so exactly-once survives expiry), then
 * compaction, manifests, snapshot expiry and orphan files, each through Iceberg's own Spark procedures.
 */
public final class MaintainJob {
  private static final Logger LOG = LoggerFactory.getLogger(MaintainJob.class);

  private final JobContext ctx;
  private final Retention retention;

  /** What a run keeps: snapshots and unreferenced files younger than {@code olderThan}, and the last few snapshots. */
  public record Retention(Duration olderThan, int retainLast) {
  }

  public MaintainJob(JobContext ctx, Retention retention) {
    this.ctx = ctx;
    this.retention = retention;
  }

  /** A table's live files and bytes and its snapshots, from its current metadata. */
  record Stats(long dataFiles, long deleteFiles, long bytes, int snapshots) {
    static Stats of(Table t) {
      Snapshot s = t.currentSnapshot();
      int snapshots = 0;
      for (Snapshot ignored : t.snapshots()) {
        snapshots++;
      }
      if (s == null) {
        return new Stats(0, 0, 0, snapshots);
      }
      Map<String, String> m = s.summary();
      return new Stats(Long.parseLong(m.getOrDefault("total-data-files", "0")),
          Long.parseLong(m.getOrDefault("total-delete-files", "0")),
          Long.parseLong(m.getOrDefault("total-files-size", "0")), snapshots);
    }
  }

  public JobResult run() {
    List<String> all = new ArrayList<>();
    TenantTables.LAYERS.forEach(layer -> all.addAll(ctx.lake().tables(ctx.tables().namespace(layer))));
    // The ledger first, for every table, so no snapshot that carries an entry expires before it is kept.
    long folded = 0;
    for (String table : all) {
      if (!table.equals(ctx.tables().ingestLedger())) {
        folded += IngestLedger.fold(ctx.lake(), ctx.tables(), table, ctx.runId());
      }
    }
    LOG.info("Ingest ledger: {} entries kept in {}", folded, ctx.tables().ingestLedger());
    if (!all.contains(ctx.tables().ingestLedger()) && ctx.lake().exists(ctx.tables().ingestLedger())) {
      all.add(ctx.tables().ingestLedger());
    }

    Map<String, Object> per = new LinkedHashMap<>();
    long filesBefore = 0;
    long filesAfter = 0;
    long bytesBefore = 0;
    long bytesAfter = 0;
    int i = 0;
    for (String table : all) {
      i++;
      ctx.step("[" + i + "/" + all.size() + "] maintaining " + table);
      Stats before = Stats.of(ctx.lake().table(table));
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("before", Json.fields(before));
      if (before.snapshots() > 0) {
        String ident = table.substring(table.indexOf('.') + 1);
        String catalog = table.substring(0, table.indexOf('.'));
        Row rewritten = call(catalog, "rewrite_data_files", "table => '" + ident + "', options => map("
            + "'min-input-files', '2', 'delete-file-threshold', '1', 'remove-dangling-deletes', 'true')");
        m.put("data_files_rewritten", rewritten == null ? 0 : rewritten.getInt(0));
        if (Stats.of(ctx.lake().table(table)).deleteFiles() > 0) {
          call(catalog, "rewrite_position_delete_files", "table => '" + ident + "', options => map('rewrite-all', 'true')");
        }
        call(catalog, "rewrite_manifests", "table => '" + ident + "'");
        // Fold again just before expiry (a writer may have committed since the first fold): nothing newer than this
        // fold can expire, so no ledger entry is ever lost; maintenance's own commits above may.
        if (!table.equals(ctx.tables().ingestLedger())) {
          folded += IngestLedger.fold(ctx.lake(), ctx.tables(), table, ctx.runId());
        }
        // A batch staged by a one-pass ingest that never published: its rows must not outlive it (privacy forget).
        m.put("staging_branch_removed", StreamIngest.dropStage(ctx.lake().table(table)));
        Timestamp cutoff = new Timestamp(System.currentTimeMillis() - retention.olderThan().toMillis());
        Row expired = call(catalog, "expire_snapshots", "table => '" + ident + "', older_than => TIMESTAMP '"
            + cutoff + "', retain_last => " + retention.retainLast());
        m.put("data_files_deleted_by_expiry", expired == null ? 0 : expired.getLong(0));
        // The action, not the procedure: the procedure refuses ages under 24 hours, which --older-than allows.
        DeleteOrphanFiles.Result orphans = SparkActions.get(ctx.spark()).deleteOrphanFiles(ctx.lake().table(table))
            .olderThan(cutoff.getTime()).execute();
        long removed = 0;
        for (String ignored : orphans.orphanFileLocations()) {
          removed++;
        }
        m.put("orphan_files_removed", removed);
      }
      Stats after = Stats.of(ctx.lake().table(table));
      m.put("after", Json.fields(after));
      per.put(table, m);
      filesBefore += before.dataFiles() + before.deleteFiles();
      filesAfter += after.dataFiles() + after.deleteFiles();
      bytesBefore += before.bytes();
      bytesAfter += after.bytes();
      LOG.info("{}: {} data + {} delete files ({} bytes, {} snapshots) -> {} + {} ({} bytes, {} snapshots)", table,
          before.dataFiles(), before.deleteFiles(), before.bytes(), before.snapshots(), after.dataFiles(),
          after.deleteFiles(), after.bytes(), after.snapshots());
    }
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("ledger_entries_kept", folded);
    details.put("expired_older_than", retention.olderThan().toString());
    details.put("live_files_before", filesBefore);
    details.put("live_files_after", filesAfter);
    details.put("bytes_before", bytesBefore);
    details.put("bytes_after", bytesAfter);
    details.put("tables", per);
    return JobResult.of(0, 0, details);
  }

  /** One Iceberg procedure; its first result row (null when it returns none). */
  private Row call(String catalog, String procedure, String args) {
    List<Row> rows = ctx.spark().sql("CALL " + catalog + ".system." + procedure + "(" + args + ")").collectAsList();
    return rows.isEmpty() ? null : rows.get(0);
  }
}
