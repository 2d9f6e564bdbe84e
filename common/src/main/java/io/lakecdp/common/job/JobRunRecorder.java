package io.lakecdp.common.job;

import io.lakecdp.common.lake.CommitKeys;
import io.lakecdp.common.lake.Lake;
import io.lakecdp.common.lake.TenantTables;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetWriter;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.types.Types;
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
    Table t = lake.table(table);
    GenericRecord row = GenericRecord.create(t.schema());
    set(row, "job", s.job());
    set(row, "tenant", s.tenant());
    set(row, "run_id", s.runId());
    set(row, "started_at", Instant.ofEpochMilli(s.startedAtMs()));
    set(row, "ended_at", Instant.ofEpochMilli(s.endedAtMs()));
    set(row, "duration_ms", s.endedAtMs() - s.startedAtMs());
    set(row, "status", s.status());
    set(row, "exit_code", s.exitCode());
    set(row, "error", s.error());
    set(row, "rows_in", s.rowsIn());
    set(row, "rows_out", s.rowsOut());
    set(row, "rows_quarantined", s.rowsQuarantined());
    Map<String, Long> metrics = s.metrics();
    for (String m : METRICS) {
      set(row, m, metrics.getOrDefault(m, 0L));
    }
    set(row, "details", Json.write(s.details()));
    // One Parquet file written and appended through Iceberg itself: a Spark write of one row cost a planned query
    // and a job (about 0.1 s of every job's run).
    String file = t.locationProvider().newDataLocation(FileFormat.PARQUET.addExtension("job-run-" + UUID.randomUUID()));
    DataWriter<Record> writer;
    try {
      writer = Parquet.writeData(t.io().newOutputFile(file)).forTable(t)
          .createWriterFunc(GenericParquetWriter::create).overwrite().build();
      try (DataWriter<Record> w = writer) {
        w.write(row);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the job_runs row of " + s.runId() + ": " + e.getMessage(), e);
    }
    Map<String, String> properties = Map.of(CommitKeys.RUN_ID, s.runId(), CommitKeys.JOB, s.job());
    AppendFiles append = t.newAppend().appendFile(writer.toDataFile());
    properties.forEach(append::set);
    append.commit();
    CrashPoints.reached("commit " + properties);
  }

  /** A value of the row by column name (a column an older table lacks is left out); instants as the column's type. */
  private static void set(GenericRecord row, String column, Object value) {
    Types.NestedField field = row.struct().field(column);
    if (field == null) {
      return;
    }
    if (value instanceof Instant i) {
      value = ((Types.TimestampType) field.type()).shouldAdjustToUTC() ? i.atOffset(ZoneOffset.UTC)
          : LocalDateTime.ofInstant(i, ZoneOffset.UTC);
    }
    row.setField(column, value);
  }
}
