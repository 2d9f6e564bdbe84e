package io.lakecdp.common.lake;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.spark.source.SparkTable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.execution.datasources.v2.DataSourceV2Relation;
import scala.collection.JavaConverters;

/**
 * The tables a query reads and the snapshot it reads of each (its content snapshot: maintenance commits do not count,
 * see {@link InputFingerprint#contentSnapshot}), from its analyzed plan (views and subqueries included): what a
 * skip-if-unchanged decision compares. Nothing is executed.
 */
public final class PlanInputs {
  private PlanInputs() {}

  /** Table name to snapshot id ("none" for an empty table), sorted by name. */
  public static Map<String, String> of(Dataset<?> df) {
    Map<String, String> out = new TreeMap<>();
    collect(df.queryExecution().analyzed(), out);
    return out;
  }

  /** {@link #of} as one line, "table=snapshot;..." sorted by table: the same inputs give the same text in any JVM. */
  public static String describe(Map<String, String> inputs) {
    StringBuilder b = new StringBuilder();
    inputs.forEach((table, snapshot) -> b.append(table).append('=').append(snapshot).append(';'));
    return b.toString();
  }

  private static void collect(LogicalPlan plan, Map<String, String> out) {
    if (plan instanceof DataSourceV2Relation rel) {
      String snapshot = "none";
      if (rel.table() instanceof SparkTable st) {
        Snapshot s = st.snapshotId() != null ? st.table().snapshot(st.snapshotId()) : st.table().currentSnapshot();
        snapshot = InputFingerprint.contentSnapshot(st.table(), s);
      }
      out.put(rel.table().name(), snapshot);
    }
    for (LogicalPlan child : seq(plan.children())) {
      collect(child, out);
    }
    for (LogicalPlan sub : seq(plan.subqueries())) {
      collect(sub, out);
    }
  }

  private static List<LogicalPlan> seq(scala.collection.Seq<LogicalPlan> s) {
    return JavaConverters.seqAsJavaList(s);
  }
}
