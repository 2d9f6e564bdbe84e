package io.lakecdp.activation;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonIgnore;
import io.lakecdp.activation.ActivationDefinition.InsightField;
import io.lakecdp.activation.ActivationDefinition.RelatedAggregate;
import io.lakecdp.activation.ActivationDefinition.UnifiedField;
import io.lakecdp.common.config.ConfigException;
import io.lakecdp.common.job.CrashPoints;
import io.lakecdp.common.job.InvalidInputException;
import io.lakecdp.common.job.JobContext;
import io.lakecdp.common.job.JobFailedException;
import io.lakecdp.common.job.JobResult;
import io.lakecdp.common.job.Json;
import io.lakecdp.common.lake.CommitKeys;
import io.lakecdp.common.lake.InputFingerprint;
import io.lakecdp.common.lake.Lake;
import io.lakecdp.common.lake.PlanInputs;
import io.lakecdp.common.lake.TenantTables;
import io.lakecdp.common.model.DataModel;
import io.lakecdp.common.sql.TenantSql;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.iceberg.DataOperations;
import org.apache.iceberg.Snapshot;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs activations: a segment's members (holdout never, opted-out never) with their attributes and chosen
 * contact points are written to a staging folder, copied to the target with DistCp, and marked complete by a
 * manifest written last. Incremental activations send only added and changed members, plus a removals file.
 * Every run is recorded in {@code <tenant>_act.activation_runs}; a run id that already delivered does nothing.
 */
public final class ActivationJob {
  static final String MEMBER = "member_id";
  static final String ROW_HASH = "_row_hash";
  private static final String OPTED_OUT = "_opted_out";
  private static final String HAS_CONTACT_POINT = "_has_contact_point";
  private static final Logger LOG = LoggerFactory.getLogger(ActivationJob.class);
  private static final StructType RUNS = StructType.fromDDL("activation_id STRING, run_id STRING, segment_id STRING, "
      + "refresh STRING, status STRING, target STRING, rows BIGINT, removals BIGINT, files INT, bytes BIGINT, "
      + "skipped_consent BIGINT, skipped_no_contact_point BIGINT, holdout BIGINT, definition_hash STRING, "
      + "duration_ms BIGINT, started_at TIMESTAMP, error STRING, input_fingerprint STRING");

  private final JobContext ctx;
  private final SparkSession spark;
  private final Lake lake;
  private final TenantTables tables;
  private final List<ActivationDefinition> activations;
  private final String stagingRoot;
  private final boolean force;

  public ActivationJob(JobContext ctx, List<ActivationDefinition> activations, String stagingRoot) {
    this(ctx, activations, stagingRoot, false);
  }

  /** @param force deliver even when nothing changed since the last delivery */
  public ActivationJob(JobContext ctx, List<ActivationDefinition> activations, String stagingRoot, boolean force) {
    this.ctx = ctx;
    this.spark = ctx.spark();
    this.lake = ctx.lake();
    this.tables = ctx.tables();
    this.activations = List.copyOf(activations);
    this.stagingRoot = stagingRoot != null ? stagingRoot
        : ctx.env().warehouse().replaceAll("/+$", "") + "/_staging/activation";
    this.force = force;
  }

  /** What one activation run did. */
  public record Outcome(@JsonIgnore String id, String status, String refresh, long rows, long removals, int files, long bytes,
      long skippedConsent, long skippedNoContactPoint, long holdout, String delivery, Map<String, Long> stageMs,
      String inputFingerprint) {
    static Outcome skipped(String id, String inputFingerprint) {
      return new Outcome(id, "skipped", null, 0, 0, 0, 0, 0, 0, 0, null, Map.of(), inputFingerprint);
    }

    /** For a skipped activation, why nothing was sent (left out of the summary otherwise). */
    @JsonProperty("skipped")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public String skippedBecause() {
      return status.equals("skipped")
          ? "segment membership, attribute sources and definition unchanged since the last delivery" : null;
    }
  }

  public JobResult run() {
    check();
    lake.ensureNamespace(tables.namespace("act"));
    ensureRunsTable();
    Map<String, Object> details = new LinkedHashMap<>();
    long rows = 0;
    long members = 0;
    List<String> failures = new ArrayList<>();
    int i = 0;
    int skipped = 0;
    for (ActivationDefinition a : activations) {
      i++;
      LOG.info("[{}/{}] activation {}: segment {} -> {} ({}{}, {})", i, activations.size(), a.id(), a.segment(), a.target(),
          a.format().name().toLowerCase(), a.gzip() ? ", gzip" : "", a.refresh().name().toLowerCase());
      long start = System.currentTimeMillis();
      try {
        Outcome o = activate(a, start);
        details.put(a.id(), Json.fields(o));
        skipped += o.status().equals("skipped") ? 1 : 0;
        rows += o.rows() + o.removals();
        members += o.rows();
      } catch (Delivery.DeliveryException | InvalidInputException e) {
        LOG.error("Activation {} failed: {}", a.id(), e.getMessage());
        recordRun(a, "failed", null, 0, 0, 0, 0, 0, 0, 0, start, e.getMessage(), null);
        details.put(a.id(), Map.of("status", "failed", "error", e.getMessage()));
        failures.add(a.id() + ": " + e.getMessage());
      }
    }
    JobResult result = skipped == activations.size() ? JobResult.skipped(JobResult.INPUTS_UNCHANGED, details)
        : JobResult.of(members, rows, details);
    if (!failures.isEmpty()) {
      throw new JobFailedException(failures.size() + " of " + activations.size() + " activation(s) failed: "
          + String.join("; ", failures), result);
    }
    return result;
  }

  /**
   * Checks what only the data model can tell (SQL conditions, in the tenant SQL sandbox) before anything is read or
   * written.
   */
  private void check() {
    DataModel model = new DataModel(spark, ctx.tenant(), tables);
    Set<String> readable = TenantSql.modelNames(ctx.tenant());
    for (ActivationDefinition a : activations) {
      List<ActivationDefinition.Related> related = new ArrayList<>();
      a.attributes().stream().filter(x -> x instanceof RelatedAggregate).forEach(x -> related.add(((RelatedAggregate) x).related()));
      if (a.optOutEvents() != null) {
        related.add(a.optOutEvents());
      }
      for (ActivationDefinition.Related r : related) {
        if (r.where() == null) {
          continue;
        }
        new TenantSql(spark, readable, a.file().toString(), r.path() + ".where").checkExpression(r.where());
        Dataset<Row> empty = spark.createDataFrame(List.of(), model.definition(r.object()).schema());
        try {
          empty.filter(r.where()).queryExecution().assertAnalyzed();
        } catch (Exception e) {
          String problem = e instanceof AnalysisException ae ? ae.getSimpleMessage() : e.getMessage();
          throw new ConfigException(a.file().toString(), r.path() + ".where",
              "not a valid condition on " + r.object() + ": " + problem.split("\n")[0]);
        }
      }
    }
  }

  private Outcome activate(ActivationDefinition a, long start) {
    String runsTable = tables.activationRuns();
    Dataset<Row> done = spark.table(runsTable).filter(functions.col("activation_id").equalTo(a.id())
        .and(functions.col("run_id").equalTo(ctx.runId())).and(functions.col("status").equalTo("succeeded")));
    if (!done.isEmpty()) {
      LOG.info("Activation {}: run {} already delivered; nothing to do", a.id(), ctx.runId());
      return new Outcome(a.id(), "already_delivered", null, 0, 0, 0, 0, 0, 0, 0, null, Map.of(), null);
    }
    Map<String, Long> stages = new LinkedHashMap<>();
    long t = System.currentTimeMillis();
    Path target = new Path(a.target());
    Path runTarget = new Path(target, ctx.runId());
    Path staging = new Path(stagingRoot + "/" + ctx.tenant().name() + "/" + a.id() + "/" + ctx.runId());
    Path export = new Path(staging, "export");
    Path stateDir = new Path(staging, "state");
    Delivery delivery = new Delivery(spark.sparkContext().hadoopConfiguration());
    String stateTable = tables.act("delivered_" + a.id());

    requirePublished(a);
    Dataset<Row> selection = selection(a);
    String fingerprint = fingerprint(a, selection);
    if (!force && fingerprint.equals(lastFingerprint(a))) {
      LOG.info("Activation {}: segment membership, attribute sources and definition unchanged since the last delivery "
          + "({}): skipped (--force sends anyway)", a.id(), fingerprint);
      return Outcome.skipped(a.id(), fingerprint);
    }
    String refresh = refreshFor(a, stateTable);
    ctx.step("activation " + a.id() + ": selecting members");
    Members m = members(a, selection);
    Dataset<Row> current = m.export();
    try {
      long exported = m.exported();
      stages.put("select", System.currentTimeMillis() - t);
      LOG.info("Activation {}: {} members to send ({} holdout, {} opted out, {} without a contact point)", a.id(),
          exported, m.holdout(), m.skippedConsent(), m.skippedNoContactPoint());

      boolean delivered = delivery.hasManifest(runTarget);
      long rows;
      long removals = 0;
      List<Delivery.StagedFile> files = new ArrayList<>();
      Map<String, Long> rowsPerFile = new LinkedHashMap<>();
      if (delivered) {
        LOG.info("Activation {}: {} already has a manifest (an earlier attempt of run {} delivered it)", a.id(),
            runTarget, ctx.runId());
        Map<String, Object> manifest = readManifest(runTarget);
        rows = ((Number) manifest.get("rows")).longValue();
        removals = ((Number) manifest.get("removals")).longValue();
        for (Object f : (List<?>) manifest.get("files")) {
          Map<?, ?> file = (Map<?, ?>) f;
          files.add(new Delivery.StagedFile(String.valueOf(file.get("path")), ((Number) file.get("bytes")).longValue(),
              String.valueOf(file.get("sha256"))));
        }
      } else {
        t = System.currentTimeMillis();
        ctx.step("activation " + a.id() + ": writing the export");
        deleteQuietly(staging);
        Dataset<Row> upserts = current;
        Dataset<Row> removed = null;
        if (refresh.equals("incremental")) {
          Dataset<Row> previous = spark.table(stateTable);
          upserts = current.join(previous, scala.collection.JavaConverters.asScalaBuffer(List.of(MEMBER, ROW_HASH)).toSeq(),
              "left_anti");
          removed = previous.select(MEMBER).join(current.select(MEMBER), scala.collection.JavaConverters
              .asScalaBuffer(List.of(MEMBER)).toSeq(), "left_anti");
        }
        rows = write(a, upserts.drop(ROW_HASH), new Path(export, "members"), removed == null ? exported : -1);
        if (removed != null) {
          removals = write(a, removed, new Path(export, "removals"), -1);
        }
        if (keepsState(a)) {
          current.select(MEMBER, ROW_HASH).write().mode(SaveMode.Overwrite).parquet(stateDir.toString());
        }
        stages.put("write", System.currentTimeMillis() - t);

        t = System.currentTimeMillis();
        String ext = extension(a);
        List<Path> staged = new ArrayList<>(delivery.tidy(new Path(export, "members"), "members", ext));
        if (removed != null) {
          staged.addAll(delivery.tidy(new Path(export, "removals"), "removals", ext));
        }
        rowsPerFile.putAll(rowsPerFile(a, staged, export));
        for (Path p : staged) {
          files.add(delivery.describe(p, export));
        }
        stages.put("checksum", System.currentTimeMillis() - t);

        t = System.currentTimeMillis();
        ctx.step("activation " + a.id() + ": copying to " + runTarget);
        delivery.removeIncomplete(runTarget);
        try {
          delivery.copy(export, runTarget, Math.min(files.size(), 20));
          CrashPoints.reached("activation " + a.id() + ": files copied to " + runTarget);
          delivery.writeManifest(runTarget, manifest(a, refresh, rows, removals, files, rowsPerFile, m));
          CrashPoints.reached("activation " + a.id() + ": manifest written");
        } catch (Delivery.DeliveryException e) {
          delivery.removeIncomplete(runTarget);
          throw e;
        }
        stages.put("deliver", System.currentTimeMillis() - t);
      }
      // Also after an earlier attempt that stopped between its manifest and this marker.
      delivery.writeLatest(target, ctx.runId());
      CrashPoints.reached("activation " + a.id() + ": LATEST marker written");

      t = System.currentTimeMillis();
      if (keepsState(a)) {
        Dataset<Row> state = delivered && !exists(stateDir) ? current.select(MEMBER, ROW_HASH)
            : spark.read().parquet(stateDir.toString());
        lake.commitWith(Map.of(CommitKeys.RUN_ID, ctx.runId(), CommitKeys.JOB, ctx.job()), () -> {
          state.writeTo(stateTable).using("iceberg").tableProperty("format-version", "2").createOrReplace();
          return null;
        });
      }
      long bytes = files.stream().mapToLong(Delivery.StagedFile::bytes).sum();
      recordRun(a, "succeeded", refresh, rows, removals, files.size(), bytes, m.skippedConsent(),
          m.skippedNoContactPoint(), m.holdout(), start, null, fingerprint);
      deleteQuietly(staging);
      stages.put("record", System.currentTimeMillis() - t);
      LOG.info("Activation {}: delivered {} rows and {} removals in {} file(s), {} bytes, to {} ({} ms)", a.id(), rows,
          removals, files.size(), bytes, runTarget, System.currentTimeMillis() - start);
      return new Outcome(a.id(), delivered ? "completed_earlier_delivery" : "delivered", refresh, rows, removals,
          files.size(), bytes, m.skippedConsent(), m.skippedNoContactPoint(), m.holdout(), runTarget.toString(), stages,
          fingerprint);
    } finally {
      m.release();
    }
  }

  /** Only incremental activations compare with what was delivered: full ones keep no per-member state. */
  private static boolean keepsState(ActivationDefinition a) {
    return a.refresh() == ActivationDefinition.Refresh.INCREMENTAL;
  }

  /** Incremental only after a successful run of the same definition whose state is kept; otherwise full. */
  private String refreshFor(ActivationDefinition a, String stateTable) {
    if (a.refresh() == ActivationDefinition.Refresh.FULL) {
      return "full";
    }
    List<Row> last = spark.table(tables.activationRuns())
        .filter(functions.col("activation_id").equalTo(a.id()).and(functions.col("status").equalTo("succeeded")))
        .orderBy(functions.col("started_at").desc()).select("definition_hash").limit(1).collectAsList();
    if (last.isEmpty() || !lake.exists(stateTable)) {
      LOG.info("Activation {}: no earlier successful run, so this one sends everything", a.id());
      return "full";
    }
    if (!a.definitionHash().equals(last.get(0).getString(0))) {
      LOG.info("Activation {}: the definition changed since the last run, so this one sends everything", a.id());
      return "full";
    }
    return "incremental";
  }

  /**
   * The export rows (lazily over {@code cached}, which holds every non-holdout member with its flags) and the
   * counts of members left out, for one activation. {@link #release()} frees the cache.
   */
  record Members(Dataset<Row> export, Dataset<Row> cached, long exported, long holdout, long skippedConsent,
      long skippedNoContactPoint) {
    void release() {
      cached.unpersist();
    }
  }

  /** One pass: every non-holdout member with its attributes, contact points and consent flags, counted once. */
  Members members(ActivationDefinition a) {
    requirePublished(a);
    return members(a, selection(a));
  }

  private void requirePublished(ActivationDefinition a) {
    String runs = tables.segmentRuns();
    if (!lake.exists(runs) || spark.table(runs).filter(functions.col("segment_id").equalTo(a.segment())).isEmpty()) {
      throw new InvalidInputException("segment " + a.segment() + " has not been published yet; run "
          + "'segmentation publish' for tenant " + ctx.tenant().name() + " first");
    }
  }

  /** {@link #selection}, persisted and counted. */
  private Members members(ActivationDefinition a, Dataset<Row> selection) {
    Dataset<Row> cached = selection.persist(StorageLevel.MEMORY_AND_DISK());
    Row c = cached.agg(functions.count("*"), functions.count(functions.when(functions.col(OPTED_OUT), 1)),
        functions.count(functions.when(functions.not(functions.col(OPTED_OUT))
            .and(functions.not(functions.col(HAS_CONTACT_POINT))), 1))).first();
    long holdout = spark.table(tables.membershipLatest()).filter(functions.col("segment_id").equalTo(a.segment())
        .and(functions.col("holdout"))).count();
    Dataset<Row> export = cached.filter(functions.not(functions.col(OPTED_OUT)).and(functions.col(HAS_CONTACT_POINT)))
        .drop(OPTED_OUT, HAS_CONTACT_POINT);
    long skippedConsent = c.getLong(1);
    long skippedNoContact = c.getLong(2);
    return new Members(export, cached, c.getLong(0) - skippedConsent - skippedNoContact, holdout, skippedConsent,
        skippedNoContact);
  }

  /**
   * Every non-holdout member of the segment with the activation's columns, row hash, opt-out and contact point flags:
   * a lazy query (nothing is read yet).
   */
  private Dataset<Row> selection(ActivationDefinition a) {
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
    cols.add(keepsState(a) ? functions.xxhash64(functions.to_json(functions.struct(
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
  private String fingerprint(ActivationDefinition a, Dataset<Row> selection) {
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

  /** The fingerprint of the newest successful delivery of the activation, or null. */
  private String lastFingerprint(ActivationDefinition a) {
    List<Row> last = spark.table(tables.activationRuns())
        .filter(functions.col("activation_id").equalTo(a.id()).and(functions.col("status").equalTo("succeeded")))
        .orderBy(functions.col("started_at").desc()).select("input_fingerprint").limit(1).collectAsList();
    return last.isEmpty() ? null : last.get(0).getString(0);
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

  /** Writes rows in the activation's format; returns how many. Files hold at most maxRowsPerFile rows. */
  private long write(ActivationDefinition a, Dataset<Row> rows, Path dir, long knownCount) {
    // rows of unknown count (an incremental delta) are computed once, counted, then written
    Dataset<Row> persisted = knownCount >= 0 ? rows : rows.persist(StorageLevel.MEMORY_AND_DISK());
    try {
      long count = knownCount >= 0 ? knownCount : persisted.count();
      int files = (int) Math.max(1, Math.min(10_000, (count + a.maxRowsPerFile() - 1) / a.maxRowsPerFile()));
      var writer = persisted.coalesce(files).write().mode(SaveMode.Overwrite)
          .option("maxRecordsPerFile", a.maxRowsPerFile());
      switch (a.format()) {
        case CSV -> writer.option("header", "true").option("compression", a.gzip() ? "gzip" : "none")
            .option("timestampFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX").csv(dir.toString());
        case NDJSON -> writer.option("compression", a.gzip() ? "gzip" : "none")
            .option("timestampFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX").json(dir.toString());
        case PARQUET -> writer.parquet(dir.toString());
      }
      return count;
    } finally {
      if (knownCount < 0) {
        persisted.unpersist();
      }
    }
  }

  /** Rows in each staged file, read back from the staged files themselves. */
  private Map<String, Long> rowsPerFile(ActivationDefinition a, List<Path> staged, Path root) {
    Map<String, Long> out = new LinkedHashMap<>();
    if (staged.isEmpty()) {
      return out;
    }
    String[] paths = staged.stream().map(Path::toString).toArray(String[]::new);
    var reader = spark.read();
    Dataset<Row> read = switch (a.format()) {
      case CSV -> reader.option("header", "true").schema("member_id STRING").csv(paths);
      case NDJSON -> reader.schema("member_id STRING").json(paths);
      case PARQUET -> reader.parquet(paths).select(MEMBER);
    };
    for (Row r : read.groupBy(functions.col("_metadata.file_name")).count().collectAsList()) {
      out.put(r.getString(0), r.getLong(1));
    }
    for (Path p : staged) {
      out.putIfAbsent(p.getName(), 0L);
    }
    return out;
  }

  private String manifest(ActivationDefinition a, String refresh, long rows, long removals,
      List<Delivery.StagedFile> files, Map<String, Long> rowsPerFile, Members m) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("activation", a.id());
    doc.put("tenant", ctx.tenant().name());
    doc.put("segment", a.segment());
    doc.put("run_id", ctx.runId());
    doc.put("refresh", refresh);
    doc.put("format", a.format().name().toLowerCase());
    doc.put("gzip", a.gzip());
    doc.put("hashed", a.hashing());
    List<String> columns = new ArrayList<>();
    columns.add(MEMBER);
    columns.addAll(a.columns());
    doc.put("columns", columns);
    doc.put("rows", rows);
    doc.put("removals", removals);
    doc.put("skipped_consent", m.skippedConsent());
    doc.put("skipped_no_contact_point", m.skippedNoContactPoint());
    doc.put("holdout", m.holdout());
    doc.put("definition_hash", a.definitionHash());
    doc.put("created_at", Instant.now().toString());
    List<Map<String, Object>> list = new ArrayList<>();
    for (Delivery.StagedFile f : files) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("path", f.name());
      e.put("kind", f.name().startsWith("removals/") ? "removals" : "members");
      e.put("rows", rowsPerFile.getOrDefault(f.name().substring(f.name().lastIndexOf('/') + 1), 0L));
      e.put("bytes", f.bytes());
      e.put("sha256", f.sha256());
      list.add(e);
    }
    doc.put("files", list);
    try {
      return Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(doc);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> readManifest(Path runTarget) {
    try (java.io.InputStream in = runTarget.getFileSystem(spark.sparkContext().hadoopConfiguration())
        .open(new Path(runTarget, Delivery.MANIFEST))) {
      return Json.mapper().readValue(in, Map.class);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the manifest in " + runTarget + ": " + e.getMessage(), e);
    }
  }

  private static String extension(ActivationDefinition a) {
    return switch (a.format()) {
      case CSV -> a.gzip() ? ".csv.gz" : ".csv";
      case NDJSON -> a.gzip() ? ".ndjson.gz" : ".ndjson";
      case PARQUET -> ".parquet";
    };
  }

  private String requireTable(String table, String job) {
    if (!lake.exists(table)) {
      throw new InvalidInputException("table " + table + " does not exist yet; run " + job + " for tenant "
          + ctx.tenant().name() + " first");
    }
    return table;
  }

  private void ensureRunsTable() {
    spark.sql("CREATE TABLE IF NOT EXISTS " + tables.activationRuns() + " (" + RUNS.toDDL()
        + ") USING iceberg TBLPROPERTIES ('format-version'='2')");
    // A table made before deliveries could be skipped gets the fingerprint column (older rows read null).
    if (!List.of(spark.table(tables.activationRuns()).columns()).contains("input_fingerprint")) {
      spark.sql("ALTER TABLE " + tables.activationRuns() + " ADD COLUMNS (input_fingerprint STRING)");
    }
  }

  private void recordRun(ActivationDefinition a, String status, String refresh, long rows, long removals, int files,
      long bytes, long consent, long noContact, long holdout, long start, String error, String fingerprint) {
    Row row = RowFactory.create(a.id(), ctx.runId(), a.segment(), refresh, status, a.target(), rows, removals, files,
        bytes, consent, noContact, holdout, a.definitionHash(), System.currentTimeMillis() - start,
        new Timestamp(start), error, fingerprint);
    try {
      lake.commitWith(Map.of(CommitKeys.RUN_ID, ctx.runId(), CommitKeys.JOB, ctx.job()), () -> {
        spark.createDataFrame(List.of(row), RUNS).coalesce(1).writeTo(tables.activationRuns()).append();
        return null;
      });
    } catch (RuntimeException e) {
      LOG.warn("Could not record the run of activation {}: {}", a.id(), e.getMessage());
      if ("succeeded".equals(status)) {
        throw e;
      }
    }
  }

  private boolean exists(Path p) {
    try {
      return p.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(p);
    } catch (IOException e) {
      return false;
    }
  }

  private void deleteQuietly(Path p) {
    try {
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      fs.delete(p, true);
    } catch (IOException e) {
      LOG.warn("Could not remove {}: {}", p, e.getMessage());
    }
  }
}
