package io.lakecdp.activation;

import io.lakecdp.activation.ActivationDefinition.InsightField;
import io.lakecdp.activation.ActivationDefinition.RelatedAggregate;
import io.lakecdp.activation.ActivationDefinition.UnifiedField;
import io.lakecdp.common.job.InvalidInputException;
import io.lakecdp.common.job.JobContext;
import io.lakecdp.common.lake.CommitKeys;
import io.lakecdp.common.lake.InputFingerprint;
import io.lakecdp.common.lake.Lake;
import io.lakecdp.common.lake.PlanInputs;
import io.lakecdp.common.lake.TenantTables;
import io.lakecdp.common.model.DataModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.iceberg.DataOperations;
import org.apache.iceberg.Snapshot;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.QueryExecution;
import org.apache.spark.sql.util.QueryExecutionListener;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;

/**
 * Who an activation sends, with what: the segment's non-holdout members with the activation's attributes, contact
 * points and consent flags, as one lazy query over the unified tables, insights and DMOs; the fingerprint of what that
 * query reads; and the members it keeps, counted once.
 */
final class MemberSelection {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(MemberSelection.class);
  private static final String OPTED_OUT = "_opted_out";
  private static final String HAS_CONTACT_POINT = "_has_contact_point";
  private static final String MEMBER = ActivationJob.MEMBER;
  private static final String ROW_HASH = ActivationJob.ROW_HASH;

  private final JobContext ctx;
  private final SparkSession spark;
  private final Lake lake;
  private final TenantTables tables;

  MemberSelection(JobContext ctx) {
    this.ctx = ctx;
    this.spark = ctx.spark();
    this.lake = ctx.lake();
    this.tables = ctx.tables();
  }

  /**
   * The export rows and the counts of members left out, for one activation. Either the rows are computed once into
   * {@code cached} (counted before anything is written; {@link #release()} frees the cache), or they are counted by
   * an observation while the one write reads them ({@link #counted()}, after that write).
   */
  static final class Members {
    private final Dataset<Row> export;
    private final Dataset<Row> cached;
    private final ObservedCounts counts;
    private final long holdout;
    private long all;
    private long skippedConsent;
    private long skippedNoContactPoint;

    private Members(Dataset<Row> export, Dataset<Row> cached, ObservedCounts counts, long holdout) {
      this.export = export;
      this.cached = cached;
      this.counts = counts;
      this.holdout = holdout;
    }

    Dataset<Row> export() {
      return export;
    }

    /** Whether the counts are known only after the export has been written. */
    boolean countedByWrite() {
      return counts != null;
    }

    /** Takes the counts the write observed; call once the export has been written. */
    void counted() {
      Row c = counts.take();
      set(c.getLong(0), c.getLong(1), c.getLong(2));
    }

    private void set(long all, long skippedConsent, long skippedNoContactPoint) {
      this.all = all;
      this.skippedConsent = skippedConsent;
      this.skippedNoContactPoint = skippedNoContactPoint;
    }

    long exported() {
      return all - skippedConsent - skippedNoContactPoint;
    }

    long holdout() {
      return holdout;
    }

    long skippedConsent() {
      return skippedConsent;
    }

    long skippedNoContactPoint() {
      return skippedNoContactPoint;
    }

    void release() {
      if (cached != null) {
        cached.unpersist();
      }
      if (counts != null) {
        counts.close();
      }
    }
  }

  /**
   * The counts a write observed on its way ({@link Dataset#observe(String, Column, Column...)}), caught by a query
   * listener. Should the plan have lost the observation (Spark may replace a plan it proves empty), the counts are
   * computed by a query of their own rather than guessed.
   */
  private static final class ObservedCounts implements QueryExecutionListener {
    private final SparkSession spark;
    private final String name;
    private final Dataset<Row> selection;
    private volatile Row observed;

    ObservedCounts(SparkSession spark, String name, Dataset<Row> selection) {
      this.spark = spark;
      this.name = name;
      this.selection = selection;
      spark.listenerManager().register(this);
    }

    @Override
    public void onSuccess(String funcName, QueryExecution qe, long durationNs) {
      scala.Option<Row> metrics = qe.observedMetrics().get(name);
      if (metrics.isDefined()) {
        observed = metrics.get();
      }
    }

    @Override
    public void onFailure(String funcName, QueryExecution qe, Exception exception) {
      // the write failed: the job stops before any count is asked for
    }

    Row take() {
      try {
        spark.sparkContext().listenerBus().waitUntilEmpty(60_000);
      } catch (java.util.concurrent.TimeoutException e) {
        // counted below
      }
      close();
      if (observed != null) {
        return observed;
      }
      LOG.info("The export's write carried no member counts (its plan was simplified away); counting them apart");
      Column[] c = counts();
      return selection.agg(c[0], java.util.Arrays.copyOfRange(c, 1, c.length)).first();
    }

    void close() {
      spark.listenerManager().unregister(this);
    }
  }

  void requirePublished(ActivationDefinition a) {
    String runs = tables.segmentRuns();
    if (!lake.exists(runs) || spark.table(runs).filter(functions.col("segment_id").equalTo(a.segment())).isEmpty()) {
      throw new InvalidInputException("segment " + a.segment() + " has not been published yet; run "
          + "'segmentation publish' for tenant " + ctx.tenant().name() + " first");
    }
  }

  /** {@link #selection}, persisted and counted. */
  Members members(ActivationDefinition a, Dataset<Row> selection) {
    Dataset<Row> cached = selection.persist(StorageLevel.MEMORY_AND_DISK());
    Column[] counts = counts();
    Row c = cached.agg(counts[0], java.util.Arrays.copyOfRange(counts, 1, counts.length)).first();
    Members m = new Members(exportRows(cached), cached, null, holdout(a));
    m.set(c.getLong(0), c.getLong(1), c.getLong(2));
    return m;
  }

  /**
   * {@link #selection} for a single write: nothing is cached or counted beforehand; an observation counts the members
   * (and those left out) in the same pass that writes them. The observation sits after the selection's last shuffle,
   * so it runs in the write's own tasks and counts every member once.
   */
  Members observed(ActivationDefinition a, Dataset<Row> selection) {
    String name = "lakecdp_activation_" + a.id() + "_" + java.util.UUID.randomUUID();
    Column[] c = counts();
    Dataset<Row> observed = selection.observe(name, c[0], java.util.Arrays.copyOfRange(c, 1, c.length));
    return new Members(exportRows(observed), null, new ObservedCounts(spark, name, selection), holdout(a));
  }

  private static Column[] counts() {
    return new Column[] {functions.count(functions.lit(1)).as("all"),
        functions.count(functions.when(functions.col(OPTED_OUT), 1)).as("opted_out"),
        functions.count(functions.when(functions.not(functions.col(OPTED_OUT))
            .and(functions.not(functions.col(HAS_CONTACT_POINT))), 1)).as("no_contact_point")};
  }

  private static Dataset<Row> exportRows(Dataset<Row> selected) {
    return selected.filter(functions.not(functions.col(OPTED_OUT)).and(functions.col(HAS_CONTACT_POINT)))
        .drop(OPTED_OUT, HAS_CONTACT_POINT);
  }

  private long holdout(ActivationDefinition a) {
    return spark.table(tables.membershipLatest()).filter(functions.col("segment_id").equalTo(a.segment())
        .and(functions.col("holdout"))).count();
  }

  /**
   * Every non-holdout member of the segment with the activation's columns, row hash, opt-out and contact point flags:
   * a lazy query (nothing is read yet).
   */
  Dataset<Row> selection(ActivationDefinition a) {
    String latest = tables.membershipLatest();
    Dataset<Row> inSegment = spark.table(latest).filter(functions.col("segment_id").equalTo(a.segment()));
    // membership_latest holds a member once per segment
    Dataset<Row> members = inSegment.filter(functions.not(functions.col("holdout")))
        .select(functions.col("member_id").as(MEMBER));

    Dataset<Row> frame = members;
    Dataset<Row> optedOut = optedOut(a);
    if (optedOut != null) {
      frame = frame.join(optedOut.withColumn(OPTED_OUT, functions.lit(true)), MEMBER, "left");
    } else {
      frame = frame.withColumn(OPTED_OUT, functions.lit(null).cast("boolean"));
    }
    List<String> unified = a.attributes().stream().filter(x -> x instanceof UnifiedField)
        .map(x -> ((UnifiedField) x).field()).toList();
    if (!unified.isEmpty()) {
      List<Column> cols = new ArrayList<>();
      cols.add(functions.col("unified_id").as(MEMBER));
      unified.forEach(f -> cols.add(functions.col(f)));
      frame = frame.join(spark.table(requireTable(tables.unifiedIndividual(), "identity-resolution"))
          .select(cols.toArray(new Column[0])), MEMBER, "left");
    }
    Map<String, List<InsightField>> byInsight = new LinkedHashMap<>();
    a.attributes().stream().filter(x -> x instanceof InsightField).map(x -> (InsightField) x)
        .forEach(f -> byInsight.computeIfAbsent(f.insight(), k -> new ArrayList<>()).add(f));
    for (Map.Entry<String, List<InsightField>> e : byInsight.entrySet()) {
      List<Column> cols = new ArrayList<>();
      cols.add(functions.col("unified_id").as(MEMBER));
      e.getValue().forEach(f -> cols.add(functions.col(f.column()).as(f.name())));
      frame = frame.join(spark.table(requireTable(tables.cio(e.getKey()), "calculated-insights"))
          .select(cols.toArray(new Column[0])), MEMBER, "left");
    }
    List<RelatedAggregate> related = a.attributes().stream().filter(x -> x instanceof RelatedAggregate)
        .map(x -> (RelatedAggregate) x).toList();
    if (!related.isEmpty()) {
      DataModel model = new DataModel(spark, ctx.tenant(), tables);
      for (RelatedAggregate r : related) {
        Dataset<Row> rows = relatedRows(model, r.related());
        Column agg = switch (r.function()) {
          case "count" -> r.field() == null ? functions.count("*") : functions.count(r.field());
          case "sum" -> functions.sum(r.field());
          case "min" -> functions.min(r.field());
          case "max" -> functions.max(r.field());
          default -> functions.avg(r.field());
        };
        frame = frame.join(rows.groupBy(MEMBER).agg(agg.as(r.name())), MEMBER, "left");
        if (r.function().equals("count")) {
          frame = frame.withColumn(r.name(), functions.coalesce(functions.col(r.name()), functions.lit(0L)));
        }
      }
    }
    for (Map.Entry<String, List<String>> cp : a.contactPoints().entrySet()) {
      frame = frame.join(bestContactPoint(a, cp.getKey(), cp.getValue()), MEMBER, "left");
    }
    Column hasContactPoint = functions.lit(!a.requireContactPoint());
    for (String kind : a.contactPoints().keySet()) {
      hasContactPoint = hasContactPoint.or(functions.col(a.hashing() ? kind + "_sha256" : kind).isNotNull());
    }
    Column optedOutFlag = functions.coalesce(functions.col(OPTED_OUT), functions.lit(false));
    List<Column> cols = new ArrayList<>();
    cols.add(functions.col(MEMBER));
    a.columns().forEach(c -> cols.add(functions.col(c)));
    cols.add(ActivationJob.keepsState(a) ? functions.xxhash64(functions.to_json(functions.struct(
        a.columns().stream().map(functions::col).toArray(Column[]::new)))).as(ROW_HASH)
        : functions.lit(0L).as(ROW_HASH));
    cols.add(optedOutFlag.as(OPTED_OUT));
    cols.add(hasContactPoint.as(HAS_CONTACT_POINT));
    return frame.select(cols.toArray(new Column[0]));
  }

  /**
   * SHA-256 over what a delivery is made of: the definition (file content and resolved target) and the snapshot of
   * every table the selection reads, where the membership table counts by the newest publish that wrote this
   * activation's segment (publishes of other segments do not make it run; any other commit to it does).
   */
  String fingerprint(ActivationDefinition a, Dataset<Row> selection) {
    Map<String, String> inputs = new TreeMap<>(PlanInputs.of(selection));
    String latest = tables.membershipLatest();
    // Newest first: the publish that wrote the segment; a commit that is not a publish may have changed anything.
    String published = null;
    for (Snapshot s : lake.history(latest)) {
      String written = s.summary().get(CommitKeys.SEGMENTS);
      if (written == null && DataOperations.REPLACE.equals(s.operation())) {
        continue; // table maintenance: files rewritten, rows unchanged
      }
      if (written == null || List.of(written.split(",")).contains(a.segment())) {
        published = written == null ? null : String.valueOf(s.snapshotId());
        break;
      }
    }
    String segmentKey = null;
    for (String table : inputs.keySet()) {
      if (table.equals(latest) || table.endsWith("." + tables.namespace("seg") + "." + TenantTables.MEMBERSHIP_LATEST)) {
        segmentKey = table;
      }
    }
    if (segmentKey != null && published != null) {
      inputs.put(segmentKey, "segment " + a.segment() + " published in snapshot " + published);
    }
    return InputFingerprint.sha256("definition " + a.definitionHash() + " target " + a.target() + "\n"
        + PlanInputs.describe(inputs));
  }

  /** Members who opted out: an opt-out status on any contact point of a kind sent, or an opt-out event. */
  private Dataset<Row> optedOut(ActivationDefinition a) {
    Dataset<Row> out = null;
    for (String kind : a.contactPoints().keySet()) {
      String table = tables.unified(ActivationDefinition.CONTACT_POINT_TABLES.get(kind));
      if (!lake.exists(table)) {
        continue;
      }
      Dataset<Row> ids = spark.table(table)
          .filter(functions.lower(functions.trim(functions.col("opt_in_status"))).isin(a.optOutValues().toArray()))
          .select(functions.col("unified_id").as(MEMBER));
      out = out == null ? ids : out.union(ids);
    }
    if (a.optOutEvents() != null) {
      Dataset<Row> ids = relatedRows(new DataModel(spark, ctx.tenant(), tables), a.optOutEvents()).select(MEMBER);
      out = out == null ? ids : out.union(ids);
    }
    return out == null ? null : out.distinct();
  }

  /** Rows of a DMO tied to members through the identity link (PartyId = the source individual's id). */
  private Dataset<Row> relatedRows(DataModel model, ActivationDefinition.Related r) {
    Dataset<Row> rows = model.dmo(r.object());
    if (r.where() != null) {
      rows = rows.filter(r.where());
    }
    Dataset<Row> link = spark.table(requireTable(tables.unifiedLink(), "identity-resolution"))
        .select(functions.col("individual_id"), functions.col("unified_id").as(MEMBER)).distinct();
    return rows.join(link, rows.col("PartyId").equalTo(link.col("individual_id"))).drop("individual_id");
  }

  /**
   * Each member's one contact point of a kind: the first listed source that has one, then the most recently
   * modified; sent as given, or as the SHA-256 of its normalized value when hashing.
   */
  private Dataset<Row> bestContactPoint(ActivationDefinition a, String kind, List<String> sources) {
    String table = requireTable(tables.unified(ActivationDefinition.CONTACT_POINT_TABLES.get(kind)), "identity-resolution");
    Column priority = functions.lit(sources.size());
    for (int i = sources.size() - 1; i >= 0; i--) {
      priority = functions.when(functions.col("source").equalTo(sources.get(i)), functions.lit(i)).otherwise(priority);
    }
    Dataset<Row> cps = spark.table(table).withColumnRenamed("unified_id", MEMBER);
    Column value = a.hashing() ? functions.sha2(functions.col("value"), 256)
        : functions.col(ActivationDefinition.CONTACT_POINT_VALUES.get(kind));
    return cps.withColumn("_rank", functions.row_number().over(Window.partitionBy(MEMBER)
            .orderBy(priority, functions.col("last_modified").desc_nulls_last(), functions.col("value"))))
        .filter("_rank = 1").select(functions.col(MEMBER), value.as(a.hashing() ? kind + "_sha256" : kind));
  }

  private String requireTable(String table, String job) {
    if (!lake.exists(table)) {
      throw new InvalidInputException("table " + table + " does not exist yet; run " + job + " for tenant "
          + ctx.tenant().name() + " first");
    }
    return table;
  }
}
