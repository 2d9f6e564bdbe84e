package io.lakecdp.ingest;

import io.lakecdp.common.lake.CommitKeys;
import io.lakecdp.common.lake.Lake;
import io.lakecdp.common.lake.TenantTables;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.Snapshot;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;

/**
 * Which landing files and batches a table already holds. The list of files of each batch is written into the
 * snapshot summary of the very commit that adds the batch's rows, so data and bookkeeping commit atomically: a job
 * killed before the commit leaves neither, a job killed after leaves both. Table maintenance folds these entries into
 * {@code <tenant>_ops.ingest_ledger} ({@link #fold}) before it expires snapshots, and every check reads both, so
 * exactly-once survives expiry.
 */
public final class IngestLedger {
  static final String FILE = "file";
  static final String BATCH = "batch";
  static final String RUN = "run";
  static final String STREAM_BATCH = "stream-batch";
  private static final StructType SCHEMA = StructType.fromDDL(
      "table_name STRING, kind STRING, id STRING, snapshot_id BIGINT, committed_at TIMESTAMP");

  private final Set<String> ingested = new HashSet<>();
  private final Set<String> runIds = new HashSet<>();

  private IngestLedger() {}

  static IngestLedger read(Lake lake, TenantTables tables, String table) {
    IngestLedger ledger = new IngestLedger();
    if (!lake.exists(table)) {
      return ledger;
    }
    for (Row r : entries(lake, table)) {
      if (r.getString(1).equals(FILE)) {
        ledger.ingested.add(r.getString(2));
      } else if (r.getString(1).equals(RUN)) {
        ledger.runIds.add(r.getString(2));
      }
    }
    for (Row r : folded(lake, tables, table, List.of(FILE, RUN))) {
      (r.getString(0).equals(FILE) ? ledger.ingested : ledger.runIds).add(r.getString(1));
    }
    return ledger;
  }

  /** Whether a commit of the table carries this batch id ({@code kind} batch or stream-batch), live or folded. */
  static boolean hasBatch(Lake lake, TenantTables tables, String table, String kind, String batchId) {
    if (!lake.exists(table)) {
      return false;
    }
    String key = kind.equals(BATCH) ? CommitKeys.BATCH_ID : CommitKeys.STREAM_BATCH;
    if (lake.hasCommit(table, key, batchId)) {
      return true;
    }
    return folded(lake, tables, table, List.of(kind)).stream().anyMatch(r -> r.getString(1).equals(batchId));
  }

  /** Public for the streaming insight tables: whether the micro-batch already merged into {@code table}. */
  public static boolean hasStreamBatch(Lake lake, TenantTables tables, String table, String batchId) {
    return hasBatch(lake, tables, table, STREAM_BATCH, batchId);
  }

  /**
   * Appends to the ledger table every entry of the table's snapshot history that it does not hold yet (idempotent:
   * a second fold adds nothing).
   *
   * @return entries added
   */
  public static long fold(Lake lake, TenantTables tables, String table, String runId) {
    SparkSession spark = lake.spark();
    String ledger = tables.ingestLedger();
    lake.ensureNamespace(tables.namespace("ops"));
    spark.sql("CREATE TABLE IF NOT EXISTS " + ledger + " (" + SCHEMA.toDDL() + ") USING iceberg "
        + "TBLPROPERTIES ('format-version'='2')");
    List<Row> rows = entries(lake, table);
    if (rows.isEmpty()) {
      return 0;
    }
    Dataset<Row> missing = spark.createDataFrame(rows, SCHEMA).join(spark.table(ledger),
        scala.collection.JavaConverters.asScalaBuffer(List.of("table_name", "kind", "id")).toSeq(), "left_anti")
        .persist();
    long n = missing.count();
    if (n > 0) {
      lake.commitWith(Map.of(CommitKeys.RUN_ID, runId), () -> {
        missing.coalesce(1).writeTo(ledger).append();
        return null;
      });
    }
    missing.unpersist();
    return n;
  }

  /** (table_name, kind, id, snapshot_id, committed_at) of every ledger entry in the table's live snapshots. */
  private static List<Row> entries(Lake lake, String table) {
    List<Row> out = new ArrayList<>();
    for (Snapshot s : lake.history(table)) {
      Timestamp at = new Timestamp(s.timestampMillis());
      String files = s.summary().get(CommitKeys.INGESTED_FILES);
      if (files != null && !files.isEmpty()) {
        for (String id : files.split("\n")) {
          out.add(RowFactory.create(table, FILE, id, s.snapshotId(), at));
        }
      }
      String batch = s.summary().get(CommitKeys.BATCH_ID);
      if (batch != null) {
        out.add(RowFactory.create(table, BATCH, batch, s.snapshotId(), at));
        String run = s.summary().get(CommitKeys.RUN_ID);
        if (run != null) {
          out.add(RowFactory.create(table, RUN, run, s.snapshotId(), at));
        }
      }
      String streamBatch = s.summary().get(CommitKeys.STREAM_BATCH);
      if (streamBatch != null) {
        out.add(RowFactory.create(table, STREAM_BATCH, streamBatch, s.snapshotId(), at));
      }
    }
    return out;
  }

  /** (kind, id) of the folded entries of the table, of those kinds; none when nothing was ever folded. */
  private static List<Row> folded(Lake lake, TenantTables tables, String table, List<String> kinds) {
    if (!lake.exists(tables.ingestLedger())) {
      return List.of();
    }
    return lake.spark().table(tables.ingestLedger()).filter(functions.col("table_name").equalTo(table)
        .and(functions.col("kind").isin(kinds.toArray()))).select("kind", "id").collectAsList();
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
