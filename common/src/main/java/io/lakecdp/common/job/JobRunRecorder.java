package io.lakecdp.common.job;

import io.lakecdp.common.lake.CommitKeys;
import io.lakecdp.common.lake.Lake;
import io.lakecdp.common.lake.TenantTables;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
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
    List<Object> values = new ArrayList<>(List.of(s.job(), s.tenant(), s.runId(),
        new Timestamp(s.startedAtMs()), new Timestamp(s.endedAtMs()), s.endedAtMs() - s.startedAtMs(),
        s.status(), s.exitCode()));
    values.add(s.error());
    values.add(s.rowsIn());
    values.add(s.rowsOut());
    values.add(s.rowsQuarantined());
    Map<String, Long> metrics = s.metrics();
    for (String m : METRICS) {
      values.add(metrics.getOrDefault(m, 0L));
    }
    values.add(Json.write(s.details()));
    Row row = RowFactory.create(values.toArray());
    new Lake(spark).commitWith(Map.of(CommitKeys.RUN_ID, s.runId(), CommitKeys.JOB, s.job()), () -> {
      spark.createDataFrame(List.of(row), schema()).coalesce(1).writeTo(table).append(); // one file, no empty task
      return null;
    });
  }
}
