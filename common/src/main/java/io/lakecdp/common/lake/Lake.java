package io.lakecdp.common.lake;

import io.lakecdp.common.job.CrashPoints;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetWriter;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.spark.CommitMetadata;
import org.apache.iceberg.spark.Spark3Util;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.util.SnapshotUtil;
import org.apache.spark.sql.SparkSession;

/**
 * Iceberg operations every stage needs: namespaces, table lookup, and commits tagged with the run
 * id so that a rerun can tell what an earlier attempt already committed.
 */
public final class Lake {

  private final SparkSession spark;

  public Lake(SparkSession spark) {
    this.spark = spark;
  }

  public SparkSession spark() {
    return spark;
  }

  public void ensureNamespace(String namespace) {
    spark.sql("CREATE NAMESPACE IF NOT EXISTS " + namespace);
  }

  /** The tables of a namespace ({@code catalog.namespace}), qualified; none when the namespace does not exist. */
  public List<String> tables(String namespace) {
    String catalog = namespace.substring(0, namespace.indexOf('.'));
    String name = namespace.substring(namespace.indexOf('.') + 1);
    if (spark.sql("SHOW NAMESPACES IN " + catalog).collectAsList().stream().noneMatch(r -> r.getString(0).equals(name))) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (org.apache.spark.sql.Row t : spark.sql("SHOW TABLES IN " + namespace).collectAsList()) {
      if (!t.getBoolean(2)) { // not a temporary view
        out.add(namespace + "." + t.getString(1));
      }
    }
    return out;
  }

  public boolean exists(String table) {
    return spark.catalog().tableExists(table);
  }

  /** The Iceberg table behind a Spark table name, freshly loaded (not a cached copy). */
  public Table table(String name) {
    try {
      Table table = Spark3Util.loadIcebergTable(spark, name);
      table.refresh();
      return table;
    } catch (Exception e) {
      throw new IllegalStateException("Cannot load Iceberg table " + name + ": " + e.getMessage(), e);
    }
  }

  /** Snapshots of the table's current history, newest first. */
  public List<Snapshot> history(String name) {
    Table table = table(name);
    List<Snapshot> out = new ArrayList<>();
    if (table.currentSnapshot() != null) {
      SnapshotUtil.ancestorsOf(table.currentSnapshot().snapshotId(), table::snapshot).forEach(out::add);
    }
    return out;
  }

  /**
   * The newest snapshot of the table's history that wrote rows (not a maintenance {@code replace}), whose summary
   * holds what the writing job recorded; null when there is none (or maintenance expired it).
   */
  public Snapshot lastWrite(String name) {
    for (Snapshot s : history(name)) {
      if (!org.apache.iceberg.DataOperations.REPLACE.equals(s.operation())) {
        return s;
      }
    }
    return null;
  }

  /** Whether a commit in the table's current history carries {@code key=value} in its summary. */
  public boolean hasCommit(String name, String key, String value) {
    for (Snapshot s : history(name)) {
      if (value.equals(s.summary().get(key))) {
        return true;
      }
    }
    return false;
  }

  /** The values {@code key} takes in the summaries of the table's current history. */
  public Set<String> commitValues(String name, String key) {
    Set<String> out = new HashSet<>();
    for (Snapshot s : history(name)) {
      if (s.summary().get(key) != null) {
        out.add(s.summary().get(key));
      }
    }
    return out;
  }

  /**
   * Runs Spark writes (SQL MERGE, DataFrameWriterV2) so that every Iceberg commit they make carries
   * {@code properties} in its snapshot summary.
   */
  public <T> T commitWith(Map<String, String> properties, Callable<T> writes) {
    T result = CommitMetadata.withCommitProperties(properties, writes, RuntimeException.class);
    CrashPoints.reached("commit " + properties);
    return result;
  }

  /**
   * Appends a few rows (a run record, a small membership change) in one commit carrying {@code properties}, written
   * by Iceberg's generic Parquet writer, one file per partition of the table's spec: no Spark query and job, which
   * for a few thousand rows cost more than the write (about 0.1 s). No rows: a commit without files, which still
   * carries the properties. Values by column name: strings, numbers, booleans, and {@link java.sql.Timestamp} or
   * {@link Instant} for timestamp columns; a column the table lacks (an older table) is left out, a column not given
   * is null.
   */
  public void appendRows(String name, List<Map<String, Object>> rows, Map<String, String> properties) {
    Table t = table(name);
    PartitionKey key = new PartitionKey(t.spec(), t.schema());
    InternalRecordWrapper wrapper = new InternalRecordWrapper(t.schema().asStruct());
    Map<PartitionKey, List<Record>> byPartition = new LinkedHashMap<>();
    for (Map<String, Object> values : rows) {
      GenericRecord row = GenericRecord.create(t.schema());
      values.forEach((column, value) -> set(row, column, value));
      key.partition(wrapper.wrap(row));
      byPartition.computeIfAbsent(key.copy(), k -> new ArrayList<>()).add(row);
    }
    AppendFiles append = t.newAppend();
    for (Map.Entry<PartitionKey, List<Record>> part : byPartition.entrySet()) {
      String fileName = FileFormat.PARQUET.addExtension("rows-" + UUID.randomUUID());
      String file = t.spec().isUnpartitioned() ? t.locationProvider().newDataLocation(fileName)
          : t.locationProvider().newDataLocation(t.spec(), part.getKey(), fileName);
      DataWriter<Record> writer;
      try {
        writer = Parquet.writeData(t.io().newOutputFile(file)).forTable(t).withSpec(t.spec())
            .withPartition(t.spec().isUnpartitioned() ? null : part.getKey())
            .createWriterFunc(GenericParquetWriter::create).overwrite().build();
        try (DataWriter<Record> w = writer) {
          for (Record row : part.getValue()) {
            w.write(row);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot write rows of " + name + ": " + e.getMessage(), e);
      }
      append.appendFile(writer.toDataFile());
    }
    properties.forEach(append::set);
    append.commit();
    CrashPoints.reached("commit " + properties);
  }

  private static void set(GenericRecord row, String column, Object value) {
    Types.NestedField field = row.struct().field(column);
    if (field == null) {
      return;
    }
    if (value instanceof java.sql.Timestamp ts) {
      value = ts.toInstant();
    }
    if (value instanceof Instant i) {
      value = ((Types.TimestampType) field.type()).shouldAdjustToUTC() ? i.atOffset(ZoneOffset.UTC)
          : LocalDateTime.ofInstant(i, ZoneOffset.UTC);
    }
    if (value instanceof Number n) {  // a count given as an int for a bigint column, or the other way
      value = switch (field.type().typeId()) {
        case LONG -> n.longValue();
        case INTEGER -> n.intValue();
        default -> value;
      };
    }
    row.setField(column, value);
  }
}
