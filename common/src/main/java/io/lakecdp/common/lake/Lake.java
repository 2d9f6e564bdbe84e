package io.lakecdp.common.lake;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.spark.CommitMetadata;
import org.apache.iceberg.spark.Spark3Util;
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

  /** Whether a commit in the table's current history carries {@code key=value} in its summary. */
  public boolean hasCommit(String name, String key, String value) {
    for (Snapshot s : history(name)) {
      if (value.equals(s.summary().get(key))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Runs Spark writes (SQL MERGE, DataFrameWriterV2) so that every Iceberg commit they make carries
   * {@code properties} in its snapshot summary.
   */
  public <T> T commitWith(Map<String, String> properties, Callable<T> writes) {
    return CommitMetadata.withCommitProperties(properties, writes, RuntimeException.class);
  }
}
