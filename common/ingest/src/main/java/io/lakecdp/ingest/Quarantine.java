package io.lakecdp.ingest;

import io.lakecdp.common.lake.CommitKeys;
import io.lakecdp.common.lake.Lake;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The tenant's quarantine table: records that could not be loaded, with where they came from and
 * why. Writes are idempotent (a record already quarantined from the same file and offset is not
 * added again), so a rerun after a crash adds no duplicates.
 */
final class Quarantine {
  static final StructType SCHEMA = new StructType(new StructField[] {
      DataTypes.createStructField("stream", DataTypes.StringType, true),
      DataTypes.createStructField("source_file", DataTypes.StringType, true),
      DataTypes.createStructField("source_offset", DataTypes.LongType, true),
      DataTypes.createStructField("raw_record", DataTypes.StringType, true),
      DataTypes.createStructField("reason", DataTypes.StringType, true),
      DataTypes.createStructField("run_id", DataTypes.StringType, true),
      DataTypes.createStructField("quarantined_at", DataTypes.TimestampType, true)});

  private Quarantine() {}

  static void ensure(SparkSession spark, Lake lake, String table) {
    if (!lake.exists(table)) {
      spark.sql("CREATE TABLE IF NOT EXISTS " + table + " (" + SCHEMA.toDDL()
          + ") USING iceberg PARTITIONED BY (stream) TBLPROPERTIES ('format-version'='2')");
    }
  }

  /** Adds the rejected records (columns of {@link RecordValidator}'s output with a reason). */
  static void write(SparkSession spark, Lake lake, String table, String stream, String runId, Dataset<Row> rejected) {
    ensure(spark, lake, table);
    Dataset<Row> rows = rejected.select(
        functions.lit(stream).as("stream"),
        functions.col(SourceReader.FILE).as("source_file"),
        functions.col(SourceReader.OFFSET).as("source_offset"),
        functions.col(SourceReader.RAW).as("raw_record"),
        functions.col(RecordValidator.REASON).as("reason"),
        functions.lit(runId).as("run_id"),
        functions.current_timestamp().as("quarantined_at"));
    String view = "lakecdp_quarantine_" + stream;
    rows.createOrReplaceTempView(view);
    lake.commitWith(Map.of(CommitKeys.RUN_ID, runId, CommitKeys.STREAM, stream), () -> spark.sql(
        "MERGE INTO " + table + " t USING " + view + " s "
            + "ON t.stream = s.stream AND t.source_file = s.source_file "
            + "AND t.source_offset <=> s.source_offset AND t.raw_record <=> s.raw_record "
            + "WHEN NOT MATCHED THEN INSERT *"));
    spark.catalog().dropTempView(view);
  }
}
