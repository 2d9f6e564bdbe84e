package io.lakecdp.common.job;

import io.lakecdp.common.lake.CommitKeys;
import io.lakecdp.common.lake.Lake;
import io.lakecdp.common.lake.TenantTables;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Appends one row per job run to {@code <tenant>_ops.job_runs}. */
public final class JobRunRecorder {
  private static final String[] METRICS = {"spark_jobs", "stages", "tasks", "failed_tasks", "records_read",
      "bytes_read", "records_written", "bytes_written", "shuffle_read_bytes", "shuffle_write_bytes",
      "spill_bytes", "executor_run_ms", "sql_queries", "failed_sql_queries", "sql_query_ms"};

  private JobRunRecorder() {}

  public static StructType schema() {
    List<StructField> f = new ArrayList<>();
    f.add(DataTypes.createStructField("job", DataTypes.StringType, true));
    f.add(DataTypes.createStructField("tenant", DataTypes.StringType, true));
    f.add(DataTypes.createStructField("run_id", DataTypes.StringType, true));
    f.add(DataTypes.createStructField("started_at", DataTypes.TimestampType, true));
    f.add(DataTypes.createStructField("ended_at", DataTypes.TimestampType, true));
    f.add(DataTypes.createStructField("duration_ms", DataTypes.LongType, true));
    f.add(DataTypes.createStructField("status", DataTypes.StringType, true));
    f.add(DataTypes.createStructField("exit_code", DataTypes.IntegerType, true));
    f.add(DataTypes.createStructField("error", DataTypes.StringType, true));
    f.add(DataTypes.createStructField("rows_in", DataTypes.LongType, true));
    f.add(DataTypes.createStructField("rows_out", DataTypes.LongType, true));
    f.add(DataTypes.createStructField("rows_quarantined", DataTypes.LongType, true));
    for (String m : METRICS) {
      f.add(DataTypes.createStructField(m, DataTypes.LongType, true));
    }
    f.add(DataTypes.createStructField("details", DataTypes.StringType, true));
    return new StructType(f.toArray(new StructField[0]));
  }

  public static void record(SparkSession spark, TenantTables tables, RunSummary s) {
    Lake lake = new Lake(spark);
    lake.ensureNamespace(tables.namespace("ops"));
    String table = tables.jobRuns();
    if (!lake.exists(table)) {
      spark.sql("CREATE TABLE IF NOT EXISTS " + table + " (" + schema().toDDL()
          + ") USING iceberg TBLPROPERTIES ('format-version'='2')");
    }
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("job", s.job());
    row.put("tenant", s.tenant());
    row.put("run_id", s.runId());
    row.put("started_at", Instant.ofEpochMilli(s.startedAtMs()));
    row.put("ended_at", Instant.ofEpochMilli(s.endedAtMs()));
    row.put("duration_ms", s.endedAtMs() - s.startedAtMs());
    row.put("status", s.status());
    row.put("exit_code", s.exitCode());
    row.put("error", s.error());
    row.put("rows_in", s.rowsIn());
    row.put("rows_out", s.rowsOut());
    row.put("rows_quarantined", s.rowsQuarantined());
    Map<String, Long> metrics = s.metrics();
    for (String m : METRICS) {
      row.put(m, metrics.getOrDefault(m, 0L));
    }
    row.put("details", Json.write(s.details()));
    lake.appendRows(table, List.of(row), Map.of(CommitKeys.RUN_ID, s.runId(), CommitKeys.JOB, s.job()));
  }
}
