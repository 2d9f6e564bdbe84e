package io.lakecdp.identity;

import io.lakecdp.common.job.JobContext;
import io.lakecdp.common.lake.CommitKeys;
import io.lakecdp.common.lake.TenantTables;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Snapshot;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the last complete identity resolution left for an incremental run: every source record's unified id,
 * component and content hash (the link table), the matched pairs with the units that found them
 * (match_explanations) and the units with their content signatures (resolution_units). Usable only when the last run
 * finished (its link commit names the snapshot it left in each other table, and those are still the last writes),
 * with the same configuration and match model; otherwise the run is complete. {@code units}: the units' signatures,
 * sorted; {@code unitIds}: the units' ids ({@code unit}), as the table holds them.
 */
record ResolutionState(Dataset<Row> link, Dataset<Row> edges, long[] units, Dataset<Row> unitIds) {
  private static final Logger LOG = LoggerFactory.getLogger(ResolutionState.class);
  /** The tables besides the link table whose last write must be the last run's. */
  static final List<String> TABLES = List.of(TenantTables.MATCH_EXPLANATIONS, TenantTables.RESOLUTION_UNITS,
      TenantTables.UNIFIED_INDIVIDUAL);

  /**
   * @param expected the configuration and model words this run would record (see the job's state)
   * @return the state, read and held in the executors (the run rewrites these tables), or null for a complete run
   */
  static ResolutionState read(JobContext ctx, String expected) {
    String link = ctx.tables().unifiedLink();
    if (!ctx.lake().exists(link)) {
      return null;
    }
    Snapshot last = ctx.lake().lastWrite(link);
    String recorded = last == null ? null : last.summary().get(CommitKeys.RESOLUTION_STATE);
    if (recorded == null) {
      LOG.info("Complete run: the link table's last write recorded no resolution state");
      return null;
    }
    Map<String, String> words = words(recorded);
    Map<String, String> wanted = words(expected);
    for (Map.Entry<String, String> e : wanted.entrySet()) {
      if (!e.getValue().equals(words.get(e.getKey()))) {
        LOG.info("Complete run: the {} changed since the last run", e.getKey());
        return null;
      }
    }
    Map<String, String> now = words(snapshots(ctx));
    for (String t : TABLES) {
      if (!now.get(t).equals(words.get(t))) {
        LOG.info("Complete run: {} was written after the last resolution finished (an interrupted run or another job)", t);
        return null;
      }
    }
    Dataset<Row> linkRows = ctx.spark().table(link);
    if (!Arrays.asList(linkRows.columns()).containsAll(List.of("component_id", "profile_sha256"))) {
      LOG.info("Complete run: the link table has no component or content hash column yet");
      return null;
    }
    Dataset<Row> unitRows = ctx.spark().table(ctx.tables().unified(TenantTables.RESOLUTION_UNITS));
    if (!Arrays.asList(unitRows.columns()).contains("signature")) {
      LOG.info("Complete run: the resolution units were written by an earlier version (no unit signatures)");
      return null;
    }
    Dataset<Row> edges = ctx.spark().table(ctx.tables().matchExplanations()).select(functions.col("record_id_a").as("a"),
        functions.col("record_id_b").as("b"), functions.col("rule"), functions.col("scores"), functions.col("levels"),
        functions.col("found_by")).transform(Materialized::of);
    long[] units = unitRows.select("signature").as(Encoders.LONG()).collectAsList().stream().mapToLong(Long::longValue).sorted().toArray();
    Dataset<Row> held = linkRows.select(ResolutionEngine.ID, "unified_id", "component_id", "profile_sha256").transform(Materialized::of);
    LOG.info("Incremental run over the state of run {}: {} units known", last.summary().get(CommitKeys.RUN_ID), units.length);
    return new ResolutionState(held, edges, units, unitRows.select("unit"));
  }

  /** The last write of each state table, as {@code table=snapshot} words ({@code none} for a missing table). */
  static String snapshots(JobContext ctx) {
    StringBuilder out = new StringBuilder();
    for (String t : TABLES) {
      String name = ctx.tables().unified(t);
      Snapshot s = ctx.lake().exists(name) ? ctx.lake().lastWrite(name) : null;
      out.append(out.length() == 0 ? "" : " ").append(t).append('=').append(s == null ? "none" : s.snapshotId());
    }
    return out.toString();
  }

  private static Map<String, String> words(String s) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String w : s.trim().split(" +")) {
      int eq = w.indexOf('=');
      if (eq > 0) {
        out.put(w.substring(0, eq), w.substring(eq + 1));
      }
    }
    return out;
  }
}
