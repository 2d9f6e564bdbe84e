package io.lakecdp.segmentation;

import io.lakecdp.common.config.ConfigException;
import io.lakecdp.common.config.definition.Node;
import io.lakecdp.common.config.definition.SegmentDefinition;
import io.lakecdp.common.config.definition.Waterfall;
import io.lakecdp.common.job.JobContext;
import io.lakecdp.common.job.JobResult;
import io.lakecdp.common.lake.CommitKeys;
import io.lakecdp.common.lake.Lake;
import io.lakecdp.common.lake.TenantTables;
import io.lakecdp.common.model.DataModel;
import io.lakecdp.common.model.UnifiedModel;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.Snapshot;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes segments: compiles them (in waves when segments refer to other segments), applies
 * waterfalls and holdouts, replaces each published segment's rows of {@code membership_latest} in one
 * Iceberg commit, appends the changes to {@code membership_history} (derived from the two snapshots of
 * the latest table, so a publish interrupted between the two writes is completed by the next run) and
 * one row per segment to {@code segment_runs}.
 */
public final class SegmentationJob {
  private static final Logger LOG = LoggerFactory.getLogger(SegmentationJob.class);

  private final JobContext ctx;
  private final SparkSession spark;
  private final TenantTables tables;
  private final Lake lake;
  private final Map<String, SegmentDefinition> all;
  private final List<Waterfall> waterfalls;
  private final Timestamp asOf;

  public SegmentationJob(JobContext ctx, List<SegmentDefinition> segments, List<Waterfall> waterfalls, Timestamp asOf) {
    this.ctx = ctx;
    this.spark = ctx.spark();
    this.tables = ctx.tables();
    this.lake = ctx.lake();
    this.all = new LinkedHashMap<>();
    segments.forEach(s -> all.put(s.id(), s));
    this.waterfalls = waterfalls;
    this.asOf = asOf;
  }

  public record Result(String publishId, Map<String, Map<String, Object>> segments, long members) implements JobResult {
    @Override
    public long rowsIn() {
      return 0;
    }

    @Override
    public long rowsOut() {
      return members;
    }

    @Override
    public Map<String, Object> details() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("publish_id", publishId);
      m.put("segments", segments);
      return m;
    }
  }

  /** Segments with their members computed: (segment_id, member_id, holdout). */
  record Computed(Dataset<Row> members, Map<String, SegmentCompiler.Compiled> compiled) {}

  /** Computes the named segments (and the ones they refer to); nothing is written. */
  Computed compute(List<String> ids) {
    return compute(ids, true);
  }

  /** @param prune leave out members that cannot qualify (see {@link SegmentCompiler#compile(List, boolean)}) */
  Computed compute(List<String> ids, boolean prune) {
    List<String> order = dependencyOrder(ids);
    String on = unifiedAvailable() ? UnifiedModel.INDIVIDUAL : SegmentDefinition.INDIVIDUAL;
    DataModel model = new DataModel(spark, ctx.tenant(), tables);
    Map<String, Dataset<Row>> memberships = new LinkedHashMap<>();
    Map<String, SegmentCompiler.Compiled> compiled = new LinkedHashMap<>();
    SegmentCompiler compiler = new SegmentCompiler(spark, model, ctx.tenant().dmos(), tables, asOf, memberships);
    Dataset<Row> union = null;
    Set<String> done = new LinkedHashSet<>();
    while (done.size() < order.size()) {
      // A wave: every segment whose referenced segments are computed, all over one shared frame.
      List<SegmentDefinition> wave = new ArrayList<>();
      for (String id : order) {
        SegmentDefinition s = all.get(id);
        if (!done.contains(id) && done.containsAll(references(s))) {
          wave.add(s.segmentOn().equals(on) ? s : withSegmentOn(s, on));
        }
      }
      SegmentCompiler.Compiled c = compiler.compile(wave, prune);
      List<Column> tags = new ArrayList<>();
      for (SegmentDefinition s : wave) {
        tags.add(functions.when(c.segments().get(s.id()), functions.lit(s.id())));
        compiled.put(s.id(), c);
      }
      Dataset<Row> rows = c.frame().select(functions.col(SegmentCompiler.MEMBER),
              functions.explode(functions.array(tags.toArray(new Column[0]))).as("segment_id"))
          .filter("segment_id IS NOT NULL");
      if (done.size() + wave.size() < order.size()) {
        rows = rows.persist(StorageLevel.MEMORY_AND_DISK()); // later waves read these memberships again
      }
      for (SegmentDefinition s : wave) {
        memberships.put(s.id(), rows.filter(functions.col("segment_id").equalTo(s.id())).select(SegmentCompiler.MEMBER));
        done.add(s.id());
      }
      union = union == null ? rows : union.unionByName(rows);
    }
    Dataset<Row> members = union.filter(functions.col("segment_id").isin(ids.toArray()));
    members = applyWaterfalls(members);
    Column holdout = functions.lit(false);
    for (String id : ids) {
      double pct = all.get(id).holdoutPercent();
      if (pct > 0) {
        holdout = functions.when(functions.col("segment_id").equalTo(id),
            functions.pmod(functions.xxhash64(functions.col("segment_id"), functions.col(SegmentCompiler.MEMBER)),
                functions.lit(10_000L)).lt(Math.round(pct * 100))).otherwise(holdout);
      }
    }
    return new Computed(members.withColumn("holdout", holdout), compiled);
  }

  private static SegmentDefinition withSegmentOn(SegmentDefinition s, String on) {
    LOG.warn("Segment {} is on {}, but identity resolution has not run: segmenting on {} instead", s.id(),
        s.segmentOn(), on);
    return new SegmentDefinition(s.id(), s.file(), s.name(), on, s.include(), s.exclude(), s.holdoutPercent());
  }

  private boolean unifiedAvailable() {
    return lake.exists(tables.unifiedIndividual()) && lake.exists(tables.unifiedLink());
  }

  /** A member in several segments of a waterfall stays only in the first of them. */
  private Dataset<Row> applyWaterfalls(Dataset<Row> members) {
    for (Waterfall w : waterfalls) {
      Column rank = functions.lit(Integer.MAX_VALUE);
      for (int i = w.segments().size() - 1; i >= 0; i--) {
        rank = functions.when(functions.col("segment_id").equalTo(w.segments().get(i)), functions.lit(i)).otherwise(rank);
      }
      Dataset<Row> ranked = members.withColumn("_rank", rank);
      Dataset<Row> first = ranked.filter(functions.col("_rank").lt(Integer.MAX_VALUE))
          .withColumn("_best", functions.min("_rank").over(Window.partitionBy(SegmentCompiler.MEMBER)))
          .filter("_rank = _best").drop("_rank", "_best");
      members = ranked.filter(functions.col("_rank").equalTo(Integer.MAX_VALUE)).drop("_rank").unionByName(first);
    }
    return members;
  }

  static Set<String> references(SegmentDefinition s) {
    Set<String> out = new LinkedHashSet<>();
    for (Node n : SegmentCompiler.leaves(s)) {
      if (n instanceof Node.Segment ref) {
        out.add(ref.segmentId());
      }
    }
    return out;
  }

  /** The segments and those they refer to, referenced ones first; a cycle is a configuration error. */
  List<String> dependencyOrder(List<String> ids) {
    List<String> order = new ArrayList<>();
    for (String id : ids) {
      visit(id, new ArrayList<>(), order, null);
    }
    return order;
  }

  private void visit(String id, List<String> stack, List<String> order, SegmentDefinition from) {
    if (order.contains(id)) {
      return;
    }
    SegmentDefinition s = all.get(id);
    if (s == null) {
      String file = from == null ? tables.tenant() : from.file().toString();
      throw new ConfigException(file, "segment", "unknown segment '" + id + "' (segments: "
          + String.join(", ", all.keySet()) + ")");
    }
    if (stack.contains(id)) {
      throw new ConfigException(s.file().toString(), "include", "segments refer to each other in a cycle: "
          + String.join(" -> ", stack) + " -> " + id);
    }
    stack.add(id);
    for (String ref : references(s)) {
      visit(ref, stack, order, s);
    }
    stack.remove(stack.size() - 1);
    order.add(id);
  }

  public Result publish(List<String> ids) {
    String latest = tables.membershipLatest();
    String history = tables.membershipHistory();
    String runs = tables.segmentRuns();
    lake.ensureNamespace(tables.namespace("seg"));
    createTables(latest, history, runs);
    completeHistory(latest, history);
    String publishId = ctx.runId();
    if (lake.hasCommit(latest, CommitKeys.RUN_ID, publishId)) {
      LOG.info("Publish {} is already in {}: nothing to do", publishId, latest);
      return new Result(publishId, Map.of(), 0);
    }
    long start = System.currentTimeMillis();
    Timestamp publishedAt = new Timestamp(System.currentTimeMillis());
    ctx.step("computing " + ids.size() + " segment(s)");
    Computed computed = compute(ids);
    Dataset<Row> rows = computed.members().select(functions.col("segment_id"), functions.col(SegmentCompiler.MEMBER),
        functions.col("holdout"), functions.lit(publishId).as("publish_id"), functions.lit(publishedAt).as("published_at"));
    Snapshot before = lake.table(latest).currentSnapshot();
    Map<String, String> commit = new LinkedHashMap<>();
    commit.put(CommitKeys.RUN_ID, publishId);
    commit.put(CommitKeys.JOB, ctx.job());
    commit.put(CommitKeys.PREVIOUS_SNAPSHOT, before == null ? "none" : String.valueOf(before.snapshotId()));
    commit.put(CommitKeys.SEGMENTS, String.join(",", ids));
    ctx.step("replacing the members of " + ids.size() + " segment(s)");
    lake.commitWith(commit, () -> {
      rows.writeTo(latest).overwrite(functions.col("segment_id").isin(ids.toArray()));
      return null;
    });
    ctx.step("recording membership changes");
    Map<String, long[]> changes = completeHistory(latest, history);
    long duration = System.currentTimeMillis() - start;

    // Populations from the table's partition metadata (one partition per segment: no data is read);
    // holdouts by a count over the segments that have one.
    Map<String, Map<String, Object>> per = new LinkedHashMap<>();
    for (String id : ids) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("population", 0L);
      m.put("holdout", 0L);
      long[] c = changes.getOrDefault(id, new long[2]);
      m.put("added", c[0]);
      m.put("removed", c[1]);
      per.put(id, m);
    }
    for (Row r : spark.table(latest + ".partitions").select("partition.segment_id", "record_count").collectAsList()) {
      if (per.containsKey(r.getString(0))) {
        per.get(r.getString(0)).put("population", r.getLong(1));
      }
    }
    List<String> withHoldout = ids.stream().filter(id -> all.get(id).holdoutPercent() > 0).toList();
    if (!withHoldout.isEmpty()) {
      for (Row r : spark.table(latest).filter(functions.col("segment_id").isin(withHoldout.toArray())
          .and(functions.col("holdout"))).groupBy("segment_id").count().collectAsList()) {
        per.get(r.getString(0)).put("holdout", r.getLong(1));
      }
    }
    List<Row> runRows = new ArrayList<>();
    long total = 0;
    for (var e : per.entrySet()) {
      Map<String, Object> m = e.getValue();
      m.put("duration_ms", duration);
      total += (Long) m.get("population");
      runRows.add(org.apache.spark.sql.RowFactory.create(publishId, e.getKey(), m.get("population"), m.get("holdout"),
          m.get("added"), m.get("removed"), duration, publishedAt));
      LOG.info("Segment {}: {} members ({} holdout), {} added, {} removed", e.getKey(), m.get("population"),
          m.get("holdout"), m.get("added"), m.get("removed"));
    }
    lake.commitWith(commit, () -> {
      spark.createDataFrame(runRows, spark.table(runs).schema()).writeTo(runs).append();
      return null;
    });
    return new Result(publishId, per, total);
  }

  private void createTables(String latest, String history, String runs) {
    spark.sql("CREATE TABLE IF NOT EXISTS " + latest + " (segment_id STRING, member_id STRING, holdout BOOLEAN, "
        + "publish_id STRING, published_at TIMESTAMP) USING iceberg PARTITIONED BY (segment_id) "
        + "TBLPROPERTIES ('format-version'='2')");
    spark.sql("CREATE TABLE IF NOT EXISTS " + history + " (segment_id STRING, member_id STRING, change STRING, "
        + "publish_id STRING, published_at TIMESTAMP) USING iceberg PARTITIONED BY (segment_id) "
        + "TBLPROPERTIES ('format-version'='2')");
    spark.sql("CREATE TABLE IF NOT EXISTS " + runs + " (publish_id STRING, segment_id STRING, population BIGINT, "
        + "holdout BIGINT, added BIGINT, removed BIGINT, duration_ms BIGINT, published_at TIMESTAMP) USING iceberg "
        + "TBLPROPERTIES ('format-version'='2')");
  }

  /**
   * If the latest table's newest publish has no history yet (first time, or a run stopped between the
   * two writes), appends it: the difference between that snapshot and the one before it.
   *
   * @return per segment of that publish, members added and removed (empty when nothing was appended)
   */
  private Map<String, long[]> completeHistory(String latest, String history) {
    Snapshot current = lake.table(latest).currentSnapshot();
    if (current == null || current.summary().get(CommitKeys.PREVIOUS_SNAPSHOT) == null) {
      return Map.of();
    }
    String publishId = current.summary().get(CommitKeys.RUN_ID);
    if (lake.hasCommit(history, CommitKeys.RUN_ID, publishId)) {
      return Map.of();
    }
    List<String> segments = List.of(current.summary().get(CommitKeys.SEGMENTS).split(","));
    Dataset<Row> now = spark.read().option("snapshot-id", current.snapshotId()).table(latest)
        .filter(functions.col("segment_id").isin(segments.toArray()));
    String prev = current.summary().get(CommitKeys.PREVIOUS_SNAPSHOT);
    Dataset<Row> before = prev.equals("none") ? now.limit(0)
        : spark.read().option("snapshot-id", Long.parseLong(prev)).table(latest)
            .filter(functions.col("segment_id").isin(segments.toArray()));
    Timestamp at = new Timestamp(current.timestampMillis());
    Dataset<Row> changes = now.select(functions.col("segment_id"), functions.col(SegmentCompiler.MEMBER),
            functions.lit(true).as("_now"))
        .join(before.select(functions.col("segment_id"), functions.col(SegmentCompiler.MEMBER),
            functions.lit(true).as("_before")), scala.collection.JavaConverters.asScalaBuffer(
            List.of("segment_id", SegmentCompiler.MEMBER)).toSeq(), "full_outer")
        .withColumn("change", functions.when(functions.col("_before").isNull(), "added")
            .when(functions.col("_now").isNull(), "removed"))
        .filter("change IS NOT NULL")
        .select(functions.col("segment_id"), functions.col(SegmentCompiler.MEMBER), functions.col("change"),
            functions.lit(publishId).as("publish_id"), functions.lit(at).as("published_at"));
    Map<String, String> commit = Map.of(CommitKeys.RUN_ID, publishId, CommitKeys.JOB, ctx.job());
    lake.commitWith(commit, () -> {
      changes.writeTo(history).append();
      return null;
    });
    Map<String, long[]> out = new LinkedHashMap<>();
    for (Row r : spark.table(history).filter(functions.col("publish_id").equalTo(publishId))
        .groupBy("segment_id", "change").count().collectAsList()) {
      out.computeIfAbsent(r.getString(0), k -> new long[2])[r.getString(1).equals("added") ? 0 : 1] = r.getLong(2);
    }
    LOG.info("Membership changes of publish {} recorded in {}", publishId, history);
    return out;
  }
}
