package io.lakecdp.activation;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.lakecdp.activation.ActivationDefinition.RelatedAggregate;
import io.lakecdp.common.config.ConfigException;
import io.lakecdp.common.job.CrashPoints;
import io.lakecdp.common.job.InvalidInputException;
import io.lakecdp.common.job.JobContext;
import io.lakecdp.common.job.JobFailedException;
import io.lakecdp.common.job.JobResult;
import io.lakecdp.common.job.Json;
import io.lakecdp.common.lake.CommitKeys;
import io.lakecdp.common.lake.Lake;
import io.lakecdp.common.lake.TenantTables;
import io.lakecdp.common.model.DataModel;
import io.lakecdp.common.sql.TenantSql;
import java.io.IOException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;
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

    MemberSelection select = new MemberSelection(ctx);
    ExportFiles exportFiles = new ExportFiles(ctx);
    select.requirePublished(a);
    Dataset<Row> selection = select.selection(a);
    String fingerprint = select.fingerprint(a, selection);
    if (!force && fingerprint.equals(lastFingerprint(a))) {
      LOG.info("Activation {}: segment membership, attribute sources and definition unchanged since the last delivery "
          + "({}): skipped (--force sends anyway)", a.id(), fingerprint);
      return Outcome.skipped(a.id(), fingerprint);
    }
    String refresh = refreshFor(a, stateTable);
    boolean delivered = delivery.hasManifest(runTarget);
    // A delivery that only writes the members (no per-member state to keep) computes them in one pass: counted while
    // written. Without adaptive execution to size the partitions, the files need the count first (cached, coalesced).
    boolean onePass = !delivered && !keepsState(a) && spark.conf().get("spark.sql.adaptive.enabled", "true").equals("true");
    ctx.step("activation " + a.id() + ": selecting members");
    MemberSelection.Members m = onePass ? select.observed(a, selection) : select.members(a, selection);
    Dataset<Row> current = m.export();
    try {
      stages.put("select", System.currentTimeMillis() - t);
      if (!m.countedByWrite()) {
        logCounts(a, m);
      }

      long rows;
      long removals = 0;
      List<Delivery.StagedFile> files = new ArrayList<>();
      Map<String, Long> rowsPerFile = new LinkedHashMap<>();
      if (delivered) {
        LOG.info("Activation {}: {} already has a manifest (an earlier attempt of run {} delivered it)", a.id(),
            runTarget, ctx.runId());
        Map<String, Object> manifest = exportFiles.readManifest(runTarget);
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
        if (m.countedByWrite()) {
          ExportFiles.save(a, current.drop(ROW_HASH), new Path(export, "members"));
          m.counted();
          logCounts(a, m);
          rows = m.exported();
        } else {
          rows = exportFiles.write(a, upserts.drop(ROW_HASH), new Path(export, "members"),
              removed == null ? m.exported() : -1);
        }
        if (removed != null) {
          removals = exportFiles.write(a, removed, new Path(export, "removals"), -1);
        }
        if (keepsState(a)) {
          current.select(MEMBER, ROW_HASH).write().mode(SaveMode.Overwrite).parquet(stateDir.toString());
        }
        stages.put("write", System.currentTimeMillis() - t);

        t = System.currentTimeMillis();
        String ext = ExportFiles.extension(a);
        List<Path> staged = new ArrayList<>(delivery.tidy(new Path(export, "members"), "members", ext));
        if (removed != null) {
          staged.addAll(delivery.tidy(new Path(export, "removals"), "removals", ext));
        }
        rowsPerFile.putAll(exportFiles.rowsPerFile(a, staged, export));
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
          delivery.writeManifest(runTarget, exportFiles.manifest(a, refresh, rows, removals, files, rowsPerFile, m));
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

  private static void logCounts(ActivationDefinition a, MemberSelection.Members m) {
    LOG.info("Activation {}: {} members to send ({} holdout, {} opted out, {} without a contact point)", a.id(),
        m.exported(), m.holdout(), m.skippedConsent(), m.skippedNoContactPoint());
  }

  /** Only incremental activations compare with what was delivered: full ones keep no per-member state. */
  static boolean keepsState(ActivationDefinition a) {
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

  /** The fingerprint of the newest successful delivery of the activation, or null. */
  private String lastFingerprint(ActivationDefinition a) {
    List<Row> last = spark.table(tables.activationRuns())
        .filter(functions.col("activation_id").equalTo(a.id()).and(functions.col("status").equalTo("succeeded")))
        .orderBy(functions.col("started_at").desc()).select("input_fingerprint").limit(1).collectAsList();
    return last.isEmpty() ? null : last.get(0).getString(0);
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
    Object[] values = {a.id(), ctx.runId(), a.segment(), refresh, status, a.target(), rows, removals, files,
        bytes, consent, noContact, holdout, a.definitionHash(), System.currentTimeMillis() - start,
        new Timestamp(start), error, fingerprint};
    Map<String, Object> row = new java.util.LinkedHashMap<>();
    for (int i = 0; i < values.length; i++) {
      row.put(RUNS.fields()[i].name(), values[i]);
    }
    try {
      lake.appendRows(tables.activationRuns(), List.of(row), Map.of(CommitKeys.RUN_ID, ctx.runId(), CommitKeys.JOB, ctx.job()));
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
