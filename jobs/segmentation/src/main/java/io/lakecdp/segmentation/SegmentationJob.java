package io.lakecdp.segmentation;

import io.lakecdp.common.config.ConfigException;
import io.lakecdp.common.config.definition.Node;
import io.lakecdp.common.config.definition.Op;
import io.lakecdp.common.config.definition.SegmentDefinition;
import io.lakecdp.common.config.definition.Waterfall;
import io.lakecdp.common.job.JobContext;
import io.lakecdp.common.job.JobResult;
import io.lakecdp.common.lake.CommitKeys;
import io.lakecdp.common.lake.InputFingerprint;
import io.lakecdp.common.lake.Lake;
import io.lakecdp.common.lake.PlanInputs;
import io.lakecdp.common.lake.TenantTables;
import io.lakecdp.common.model.DataModel;
import io.lakecdp.common.model.UnifiedModel;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HashMap;
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
  /** Publishes whose segments hold at most this many member rows, before and after, are diffed on the driver. */
  static final long DRIVER_DIFF_ROWS = 200_000;
  /** The Spark setting that changes {@link #DRIVER_DIFF_ROWS} (0: always diff in Spark). */
  static final String DRIVER_DIFF_CONF = "spark.lakecdp.segmentation.driverDiffRows";

  private final JobContext ctx;
  private final SparkSession spark;
  private final TenantTables tables;
  private final Lake lake;
  private final Map<String, SegmentDefinition> all;
  private final List<Waterfall> waterfalls;
  private final Timestamp asOf;
  private final Map<List<String>, Computed> planned = new HashMap<>();

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

  /** @param skipped every segment was unchanged: nothing was written */
  public record Result(String publishId, Map<String, Map<String, Object>> segments, long members, boolean skipped)
      implements JobResult {
    public Result(String publishId, Map<String, Map<String, Object>> segments, long members) {
      this(publishId, segments, members, false);
    }

    @Override
    public String skipReason() {
      return skipped ? JobResult.INPUTS_UNCHANGED : null;
    }
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

  /**
   * {@link #compute(List)} of a group of segments, built once per publish: the plan fingerprinted is the plan written,
   * not built and analysed a second time.
   */
  private Computed planned(List<String> group) {
    return planned.computeIfAbsent(List.copyOf(group), this::compute);
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
    return publish(ids, false);
  }

  /**
   * Publishes the segments whose fingerprint (see {@link #fingerprints}) differs from the one recorded by the publish
   * that last wrote them; with {@code force}, all of them. A publish where every segment is unchanged writes nothing.
   */
  public Result publish(List<String> ids, boolean force) {
    planned.clear(); // plans read the tables as they are now: never reuse one from an earlier publish
    String latest = tables.membershipLatest();
    String history = tables.membershipHistory();
    String runs = tables.segmentRuns();
    lake.ensureNamespace(tables.namespace("seg"));
    createTables(latest, history, runs);
    completeHistory(latest, history, null);
    completeRuns(latest, runs);
    String publishId = ctx.runId();
    if (lake.hasCommit(latest, CommitKeys.RUN_ID, publishId)) {
      LOG.info("Publish {} is already in {}: nothing to do", publishId, latest);
      return new Result(publishId, Map.of(), 0);
    }
    long start = System.currentTimeMillis();
    Timestamp publishedAt = new Timestamp(System.currentTimeMillis());
    ctx.step("fingerprinting " + ids.size() + " segment(s): definitions, input snapshots, window bounds");
    Map<String, String> fingerprints = fingerprints(ids);
    Map<String, String> last = force ? Map.of() : lastFingerprints(latest, ids);
    List<String> changed = ids.stream().filter(id -> !fingerprints.get(id).equals(last.get(id))).toList();
    List<String> unchanged = ids.stream().filter(id -> !changed.contains(id)).toList();
    unchanged.forEach(id -> LOG.info("Segment {}: definition, inputs and window bounds unchanged ({}): skipped", id,
        fingerprints.get(id)));
    if (changed.isEmpty()) {
      Map<String, Map<String, Object>> per = figures(ids, latest, Map.of(), Set.copyOf(ids), fingerprints, null);
      return new Result(publishId, per, 0, true);
    }
    ctx.step("computing " + changed.size() + " segment(s)");
    Computed computed = planned(withWaterfallPredecessors(changed, ids));
    Dataset<Row> rows = computed.members().filter(functions.col("segment_id").isin(changed.toArray()))
        .select(functions.col("segment_id"), functions.col(SegmentCompiler.MEMBER), functions.col("holdout"),
            functions.lit(publishId).as("publish_id"), functions.lit(publishedAt).as("published_at"));
    Map<String, String> commit = new LinkedHashMap<>();
    commit.put(CommitKeys.RUN_ID, publishId);
    commit.put(CommitKeys.JOB, ctx.job());
    commit.put(CommitKeys.SEGMENTS, String.join(",", changed));
    commit.put(CommitKeys.SEGMENTS_SKIPPED, String.join(",", unchanged));
    changed.forEach(id -> commit.put(CommitKeys.INPUTS + "." + id, fingerprints.get(id)));
    ctx.step("replacing the members of " + changed.size() + " segment(s)");
    lake.commitWith(commit, () -> {
      rows.writeTo(latest).overwrite(functions.col("segment_id").isin(changed.toArray()));
      return null;
    });
    ctx.step("recording membership changes");
    Map<String, long[]> known = completeHistory(latest, history, publishId);
    return recordRuns(latest, runs, publishId, publishedAt, System.currentTimeMillis() - start, fingerprints, known);
  }

  /**
   * Per segment, SHA-256 over what its members are computed from: its definition and those of the segments it
   * refers to and of the waterfall segments published with it ahead of it, the snapshot of every table the computation
   * reads (from its analyzed plan: nothing is executed), and the reference time when a relative window
   * (within_last, withinLastDays) makes the bounds move with {@code --as-of}.
   */
  Map<String, String> fingerprints(List<String> ids) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String id : ids) {
      List<String> group = withWaterfallPredecessors(List.of(id), ids);
      StringBuilder b = new StringBuilder();
      boolean relative = false;
      for (String d : dependencyOrder(group)) {
        SegmentDefinition s = all.get(d);
        b.append("segment ").append(s.id()).append(' ').append(s.segmentOn()).append(" holdout ")
            .append(s.holdoutPercent()).append(" include ").append(s.include()).append(" exclude ")
            .append(s.exclude()).append('\n');
        relative |= relative(s.include()) || (s.exclude() != null && relative(s.exclude()));
      }
      b.append("waterfall ").append(group).append('\n');
      if (relative) {
        b.append("as-of ").append(asOf.getTime()).append('\n');
      }
      b.append(PlanInputs.describe(PlanInputs.of(planned(group).members())));
      out.put(id, InputFingerprint.sha256(b.toString()));
    }
    return out;
  }

  /** The segments with, for each, the segments of its waterfalls ahead of it that are published with it. */
  private List<String> withWaterfallPredecessors(List<String> segments, List<String> published) {
    Set<String> out = new LinkedHashSet<>();
    for (Waterfall w : waterfalls) {
      for (String id : segments) {
        int at = w.segments().indexOf(id);
        for (int i = 0; i < at; i++) {
          if (published.contains(w.segments().get(i))) {
            out.add(w.segments().get(i));
          }
        }
      }
    }
    out.addAll(segments);
    return List.copyOf(out);
  }

  /** Whether a condition's bounds depend on the reference time. */
  private static boolean relative(Node n) {
    if (n instanceof Node.All a) {
      return a.children().stream().anyMatch(SegmentationJob::relative);
    } else if (n instanceof Node.Any a) {
      return a.children().stream().anyMatch(SegmentationJob::relative);
    } else if (n instanceof Node.Not x) {
      return relative(x.child());
    } else if (n instanceof Node.Attribute a) {
      return a.op() == Op.WITHIN_LAST;
    } else if (n instanceof Node.Related r) {
      return r.withinLastDays() != null || (r.where() != null && relative(r.where()))
          || r.aggregate().op() == Op.WITHIN_LAST;
    } else if (n instanceof Node.Insight i) {
      return i.op() == Op.WITHIN_LAST;
    }
    return false;
  }

  /** Per segment, the fingerprint recorded by the newest publish that wrote it (none when no publish recorded one). */
  private Map<String, String> lastFingerprints(String latest, List<String> ids) {
    Map<String, String> out = new LinkedHashMap<>();
    Set<String> seen = new LinkedHashSet<>();
    for (Snapshot s : lake.history(latest)) {
      String written = s.summary().get(CommitKeys.SEGMENTS);
      if (written == null) {
        continue;
      }
      for (String id : written.split(",")) {
        if (ids.contains(id) && seen.add(id) && s.summary().get(CommitKeys.INPUTS + "." + id) != null) {
          out.put(id, s.summary().get(CommitKeys.INPUTS + "." + id));
        }
      }
      if (seen.containsAll(ids)) {
        break;
      }
    }
    return out;
  }

  /**
   * Every publish in the latest table's history without {@code segment_runs} rows yet (a run stopped after its
   * membership commit) gets them, oldest first; the duration of such a run is unknown (null).
   */
  private void completeRuns(String latest, String runs) {
    Set<String> recorded = lake.commitValues(runs, CommitKeys.RUN_ID);
    for (Snapshot s : publishesOldestFirst(latest, runs)) {
      String publishId = s.summary().get(CommitKeys.RUN_ID);
      if (!recorded.contains(publishId)) {
        LOG.info("Publish {} has no rows in {} yet (its run stopped before them): recording them", publishId, runs);
        recordRuns(latest, runs, publishId, new Timestamp(s.timestampMillis()), null, null, null);
      }
    }
  }

  /**
   * The snapshots of the latest table that publishes wrote (they name their segments), oldest first; only those not
   * older than the oldest snapshot {@code recordedIn} still has: a publish's own record in that table is committed
   * after it, so for an older publish a missing record may just have expired (table maintenance), not be missing.
   */
  private List<Snapshot> publishesOldestFirst(String latest, String recordedIn) {
    List<Snapshot> kept = lake.history(recordedIn);
    long since = kept.isEmpty() ? Long.MIN_VALUE : kept.get(kept.size() - 1).timestampMillis();
    List<Snapshot> out = new ArrayList<>();
    for (Snapshot s : lake.history(latest)) {
      if (s.summary().get(CommitKeys.SEGMENTS) != null && s.summary().get(CommitKeys.RUN_ID) != null
          && s.timestampMillis() >= since) {
        out.add(0, s);
      }
    }
    return out;
  }

  /**
   * Appends one {@code segment_runs} row per segment of the publish (published and skipped ones), from the lake:
   * the segments in the publish's commit summary, populations from the latest table's partition metadata, changes
   * from the history table.
   */
  private Result recordRuns(String latest, String runs, String publishId, Timestamp publishedAt, Long durationMs,
      Map<String, String> fingerprints, Map<String, long[]> known) {
    Snapshot commitSnapshot = null;
    for (Snapshot s : lake.history(latest)) {
      if (publishId.equals(s.summary().get(CommitKeys.RUN_ID))) {
        commitSnapshot = s;
        break;
      }
    }
    Map<String, String> summary = commitSnapshot.summary();
    List<String> published = List.of(summary.get(CommitKeys.SEGMENTS).split(","));
    String skippedText = summary.getOrDefault(CommitKeys.SEGMENTS_SKIPPED, "");
    Set<String> skipped = skippedText.isEmpty() ? Set.of() : new LinkedHashSet<>(List.of(skippedText.split(",")));
    List<String> ids = new ArrayList<>(published);
    ids.addAll(skipped);
    Map<String, long[]> changes = new LinkedHashMap<>();
    if (known != null) {
      known.forEach((id, f) -> changes.put(id, new long[] {f[0], f[1]}));
    } else {
      for (Row r : spark.table(tables.membershipHistory()).filter(functions.col("publish_id").equalTo(publishId))
          .groupBy("segment_id", "change").count().collectAsList()) {
        changes.computeIfAbsent(r.getString(0), k -> new long[2])[r.getString(1).equals("added") ? 0 : 1] = r.getLong(2);
      }
    }
    Map<String, String> prints = new LinkedHashMap<>();
    for (String id : ids) {
      String fp = fingerprints != null ? fingerprints.get(id) : summary.get(CommitKeys.INPUTS + "." + id);
      prints.put(id, fp);
    }
    Map<String, Map<String, Object>> per = figures(ids, latest, changes, skipped, prints, known);
    List<Map<String, Object>> runRows = new ArrayList<>();
    long total = 0;
    for (var e : per.entrySet()) {
      Map<String, Object> m = e.getValue();
      m.put("duration_ms", durationMs);
      total += (Long) m.get("population");
      Map<String, Object> run = new java.util.LinkedHashMap<>();
      run.put("publish_id", publishId);
      run.put("segment_id", e.getKey());
      for (String figure : List.of("population", "holdout", "added", "removed")) {
        run.put(figure, m.get(figure));
      }
      run.put("duration_ms", durationMs);
      run.put("published_at", publishedAt);
      run.put("status", m.get("status"));
      run.put("input_fingerprint", m.get("input_fingerprint"));
      runRows.add(run);
      LOG.info("Segment {}: {}, {} members ({} holdout), {} added, {} removed", e.getKey(), m.get("status"),
          m.get("population"), m.get("holdout"), m.get("added"), m.get("removed"));
    }
    lake.appendRows(runs, runRows, Map.of(CommitKeys.RUN_ID, publishId, CommitKeys.JOB, ctx.job()));
    return new Result(publishId, per, total);
  }

  /**
   * Per segment: status (published or skipped), population (from the latest table's partition metadata: no data is
   * read), holdout (a count over the segments that have one), members added and removed, fingerprint. Segments in
   * {@code known} (population and holdout counted by the driver's diff: {added, removed, population, holdout}) are
   * not looked up.
   */
  private Map<String, Map<String, Object>> figures(List<String> ids, String latest, Map<String, long[]> changes,
      Set<String> skipped, Map<String, String> fingerprints, Map<String, long[]> known) {
    Map<String, Map<String, Object>> per = new LinkedHashMap<>();
    for (String id : ids) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("status", skipped.contains(id) ? "skipped" : "published");
      m.put("population", 0L);
      m.put("holdout", 0L);
      long[] c = changes.getOrDefault(id, new long[2]);
      m.put("added", c[0]);
      m.put("removed", c[1]);
      m.put("input_fingerprint", fingerprints.get(id));
      per.put(id, m);
      if (known != null && known.containsKey(id)) {
        m.put("population", known.get(id)[2]);
        m.put("holdout", known.get(id)[3]);
      }
    }
    List<String> unknown = ids.stream().filter(id -> known == null || !known.containsKey(id)).toList();
    if (unknown.isEmpty()) {
      return per;
    }
    for (Row r : spark.table(latest + ".partitions").select("partition.segment_id", "record_count").collectAsList()) {
      if (unknown.contains(r.getString(0))) {
        per.get(r.getString(0)).put("population", r.getLong(1));
      }
    }
    List<String> withHoldout = unknown.stream().filter(id -> all.containsKey(id) && all.get(id).holdoutPercent() > 0)
        .toList();
    if (!withHoldout.isEmpty()) {
      for (Row r : spark.table(latest).filter(functions.col("segment_id").isin(withHoldout.toArray())
          .and(functions.col("holdout"))).groupBy("segment_id").count().collectAsList()) {
        per.get(r.getString(0)).put("holdout", r.getLong(1));
      }
    }
    return per;
  }

  private void createTables(String latest, String history, String runs) {
    spark.sql("CREATE TABLE IF NOT EXISTS " + latest + " (segment_id STRING, member_id STRING, holdout BOOLEAN, "
        + "publish_id STRING, published_at TIMESTAMP) USING iceberg PARTITIONED BY (segment_id) "
        + "TBLPROPERTIES ('format-version'='2')");
    spark.sql("CREATE TABLE IF NOT EXISTS " + history + " (segment_id STRING, member_id STRING, change STRING, "
        + "publish_id STRING, published_at TIMESTAMP) USING iceberg PARTITIONED BY (segment_id) "
        + "TBLPROPERTIES ('format-version'='2')");
    spark.sql("CREATE TABLE IF NOT EXISTS " + runs + " (publish_id STRING, segment_id STRING, population BIGINT, "
        + "holdout BIGINT, added BIGINT, removed BIGINT, duration_ms BIGINT, published_at TIMESTAMP, status STRING, "
        + "input_fingerprint STRING) USING iceberg TBLPROPERTIES ('format-version'='2')");
    // Tables made before segments could be skipped get the two columns (rows of older publishes read null).
    List<String> columns = List.of(spark.table(runs).columns());
    if (!columns.contains("status")) {
      spark.sql("ALTER TABLE " + runs + " ADD COLUMNS (status STRING, input_fingerprint STRING)");
    }
  }

  /**
   * Records the membership changes of publishes that have none in the history table yet: of {@code onlyPublish}
   * (this run's own, right after its commit), or when null of every publish in the latest table's history (at the
   * start of a run: the first time, a run stopped between its two writes). A publish's changes are the difference,
   * over its own segments, between its snapshot and that snapshot's parent, so publishes of other segments that
   * committed at the same time (two publishes running at once) are not mixed in. A run records only its own publish
   * once it has committed; the start-of-run repair is what picks up a publish whose run died before.
   */
  private Map<String, long[]> completeHistory(String latest, String history, String onlyPublish) {
    Map<String, long[]> figures = null;
    Set<String> recorded = lake.commitValues(history, CommitKeys.RUN_ID);
    for (Snapshot s : publishesOldestFirst(latest, history)) {
      String publishId = s.summary().get(CommitKeys.RUN_ID);
      if (recorded.contains(publishId) || (onlyPublish != null && !onlyPublish.equals(publishId))) {
        continue;
      }
      Snapshot parent = s.parentId() == null ? null : lake.table(latest).snapshot(s.parentId());
      if (s.parentId() != null && parent == null) {
        LOG.warn("Publish {}: the snapshot before it has expired, its membership changes cannot be derived", publishId);
        continue;
      }
      figures = recordHistory(latest, history, s, parent);
    }
    return onlyPublish == null ? null : figures;
  }

  /**
   * Appends the publish's membership changes to the history table. Small publishes (at most
   * {@value #DRIVER_DIFF_ROWS} member rows of its segments, before and after, by the files' record counts) are
   * compared on the driver, from the two snapshots read with Iceberg's generic reader, and appended with its generic
   * writer: no Spark job, whose fixed cost is most of the time at that size. Larger ones are a join in Spark.
   *
   * @return per segment of the publish {added, removed, population, holdout} when compared on the driver, else null
   */
  private Map<String, long[]> recordHistory(String latest, String history, Snapshot publish, Snapshot parent) {
    String publishId = publish.summary().get(CommitKeys.RUN_ID);
    List<String> segments = List.of(publish.summary().get(CommitKeys.SEGMENTS).split(","));
    long limit = Long.parseLong(spark.conf().get(DRIVER_DIFF_CONF, Long.toString(DRIVER_DIFF_ROWS)));
    org.apache.iceberg.Table table = lake.table(latest);
    org.apache.iceberg.expressions.Expression ofSegments =
        org.apache.iceberg.expressions.Expressions.in("segment_id", segments.toArray());
    if (memberRows(table, publish, ofSegments) + memberRows(table, parent, ofSegments) <= limit) {
      return recordHistoryOnDriver(table, history, publish, parent, segments, ofSegments);
    }
    Dataset<Row> now = spark.read().option("snapshot-id", publish.snapshotId()).table(latest)
        .filter(functions.col("segment_id").isin(segments.toArray()));
    Dataset<Row> before = parent == null ? now.limit(0)
        : spark.read().option("snapshot-id", parent.snapshotId()).table(latest)
            .filter(functions.col("segment_id").isin(segments.toArray()));
    Timestamp at = new Timestamp(publish.timestampMillis());
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
    LOG.info("Membership changes of publish {} recorded in {}", publishId, history);
    return null;
  }

  private Map<String, long[]> recordHistoryOnDriver(org.apache.iceberg.Table table, String history, Snapshot publish,
      Snapshot parent, List<String> segments, org.apache.iceberg.expressions.Expression ofSegments) {
    String publishId = publish.summary().get(CommitKeys.RUN_ID);
    Map<String, Map<String, Boolean>> now = members(table, publish, ofSegments);
    Map<String, Map<String, Boolean>> before = members(table, parent, ofSegments);
    Timestamp at = new Timestamp(publish.timestampMillis());
    Map<String, long[]> figures = new LinkedHashMap<>();
    List<Map<String, Object>> rows = new ArrayList<>();
    for (String segment : segments) {
      long[] f = new long[4];  // added, removed, population, holdout
      Map<String, Boolean> after = now.getOrDefault(segment, Map.of());
      Map<String, Boolean> earlier = before.getOrDefault(segment, Map.of());
      for (Map.Entry<String, Boolean> m : after.entrySet()) {
        f[2]++;
        f[3] += Boolean.TRUE.equals(m.getValue()) ? 1 : 0;
        if (!earlier.containsKey(m.getKey())) {
          f[0]++;
          rows.add(change(segment, m.getKey(), "added", publishId, at));
        }
      }
      for (String member : earlier.keySet()) {
        if (!after.containsKey(member)) {
          f[1]++;
          rows.add(change(segment, member, "removed", publishId, at));
        }
      }
      figures.put(segment, f);
    }
    lake.appendRows(history, rows, Map.of(CommitKeys.RUN_ID, publishId, CommitKeys.JOB, ctx.job()));
    LOG.info("Membership changes of publish {} recorded in {} ({} rows, compared on the driver)", publishId, history,
        rows.size());
    return figures;
  }

  private static Map<String, Object> change(String segment, String member, String change, String publishId,
      Timestamp at) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("segment_id", segment);
    row.put(SegmentCompiler.MEMBER, member);
    row.put("change", change);
    row.put("publish_id", publishId);
    row.put("published_at", at);
    return row;
  }

  /** The member rows of these segments in the snapshot, by the record counts of its data files (no data read). */
  private static long memberRows(org.apache.iceberg.Table table, Snapshot snapshot,
      org.apache.iceberg.expressions.Expression ofSegments) {
    if (snapshot == null) {
      return 0;
    }
    long n = 0;
    try (var tasks = table.newScan().useSnapshot(snapshot.snapshotId()).filter(ofSegments).planFiles()) {
      for (var task : tasks) {
        n += task.file().recordCount();
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return n;
  }

  /** Segment to member to holdout, of these segments in the snapshot (none for a null snapshot). */
  private static Map<String, Map<String, Boolean>> members(org.apache.iceberg.Table table, Snapshot snapshot,
      org.apache.iceberg.expressions.Expression ofSegments) {
    Map<String, Map<String, Boolean>> out = new HashMap<>();
    if (snapshot == null) {
      return out;
    }
    try (var records = org.apache.iceberg.data.IcebergGenerics.read(table).useSnapshot(snapshot.snapshotId())
        .where(ofSegments).select("segment_id", SegmentCompiler.MEMBER, "holdout").build()) {
      for (org.apache.iceberg.data.Record r : records) {
        out.computeIfAbsent((String) r.getField("segment_id"), k -> new HashMap<>())
            .put((String) r.getField(SegmentCompiler.MEMBER), (Boolean) r.getField("holdout"));
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out;
  }
}
