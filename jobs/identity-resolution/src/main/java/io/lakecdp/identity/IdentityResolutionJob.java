package io.lakecdp.identity;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.lakecdp.common.config.DmoMapping;
import io.lakecdp.common.job.JobContext;
import io.lakecdp.common.job.JobResult;
import io.lakecdp.common.job.Json;
import io.lakecdp.common.lake.CommitKeys;
import io.lakecdp.common.lake.InputFingerprint;
import io.lakecdp.common.lake.TenantTables;
import io.lakecdp.common.model.DataModel;
import io.lakecdp.common.model.StandardModel;
import io.lakecdp.common.normalize.Normalizer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.iceberg.Snapshot;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tenant run: profiles from the DMOs, the resolution engine, stable unified ids, reconciled
 * unified profiles, all contact points, and the explanation of every match. The link table is written
 * last and records the input snapshots, so an interrupted run is simply redone and an unchanged input
 * is skipped.
 */
public final class IdentityResolutionJob {
  private static final Logger LOG = LoggerFactory.getLogger(IdentityResolutionJob.class);
  private static final Set<String> PROFILE_DMOS = Set.of(StandardModel.INDIVIDUAL, StandardModel.CONTACT_POINT_EMAIL,
      StandardModel.CONTACT_POINT_PHONE, StandardModel.CONTACT_POINT_ADDRESS);

  private final JobContext ctx;
  private final RuleSet rules;
  private final String configSha256;
  private final ModelStore models;

  /** @param configSha256 SHA-256 of the configuration file's bytes (part of the input fingerprint) */
  public IdentityResolutionJob(JobContext ctx, RuleSet rules, String configSha256) {
    this.ctx = ctx;
    this.rules = rules;
    this.configSha256 = configSha256;
    this.models = new ModelStore(ctx.env().warehouse(), ctx.tenant().name(),
        ctx.spark().sparkContext().hadoopConfiguration());
  }

  /** What a run did; its summary details are its components (snake_case, some renamed) and the rates below. */
  public record Result(@JsonIgnore boolean skipped, long sourceProfiles, long unifiedProfiles, long largestCluster,
      long candidatePairs, long matchedPairs, @JsonProperty("cc_iterations") int iterations, long oversizedClusters,
      long weakLinksCut, @JsonProperty("unified_ids_kept_from_previous_run") long keptIds,
      @JsonProperty("stage_ms") Map<String, Long> stageMillis, Map<String, Long> lucenePartitionsByExecutor,
      @JsonProperty("input_fingerprint") String fingerprint,
      @JsonProperty("match_model") @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, Object> model)
      implements JobResult {
    @Override
    public long rowsIn() {
      return sourceProfiles;
    }

    @Override
    public long rowsOut() {
      return unifiedProfiles;
    }

    @Override
    @JsonProperty("skipped")
    public String skipReason() {
      return skipped ? JobResult.INPUTS_UNCHANGED : null;
    }

    /** Share of source profiles merged away: 1 - unified / source. */
    @JsonProperty("consolidation_rate")
    public double consolidationRate() {
      return sourceProfiles == 0 ? 0.0 : 1.0 - (double) unifiedProfiles / sourceProfiles;
    }

    @JsonProperty("candidate_pairs_per_record")
    public double candidatePairsPerRecord() {
      return sourceProfiles == 0 ? 0.0 : (double) candidatePairs / sourceProfiles;
    }

    @JsonProperty("pairs_scored_per_second")
    public double pairsScoredPerSecond() {
      long scoring = stageMillis.getOrDefault("candidates_and_scoring", 0L);
      return scoring == 0 ? 0.0 : candidatePairs * 1000.0 / scoring;
    }

    @Override
    public Map<String, Object> details() {
      return Json.fields(this);
    }
  }

  public Result run() {
    return run(false, false);
  }

  /** The trained model this run would use: the saved one when it fits the configuration, else null. */
  MatchModel savedModel() {
    if (!rules.probabilistic()) {
      return null;
    }
    MatchModel saved = models.load();
    if (saved != null && !saved.fits(rules.comparisons())) {
      LOG.info("The saved match model {} was trained for other comparisons: retraining", models.location());
      return null;
    }
    return saved;
  }

  /** Learns the match weights on the tenant's current profiles and saves them (identity-resolution train). */
  public MatchModel train() {
    ctx.step("training the match model");
    DataModel model = new DataModel(ctx.spark(), ctx.tenant(), ctx.tables());
    ResolutionEngine engine = new ResolutionEngine(ctx.spark(), rules);
    Dataset<Row> normalized = engine.normalize(Profiles.build(model)).persist(StorageLevel.MEMORY_AND_DISK());
    MatchModel trained = ModelTrainer.train(ctx.spark(), normalized, normalized.count(), rules, engine.fields());
    models.save(trained);
    normalized.unpersist();
    LOG.info("Match model saved to {}", models.location());
    return trained;
  }

  /**
   * @param force resolve even when the inputs did not change (benchmarks)
   * @param retrain learn the weights again even when a saved model fits
   */
  Result run(boolean force, boolean retrain) {
    String link = ctx.tables().unifiedLink();
    MatchModel saved = retrain ? null : savedModel();
    String inputs = fingerprint(saved);
    if (!force && !retrain && ctx.lake().exists(link)) {
      Snapshot last = ctx.lake().lastWrite(link);
      if (last != null && inputs.equals(last.summary().get(CommitKeys.INPUTS))) {
        LOG.info("Inputs unchanged since run {} (fingerprint {}): nothing to do", last.summary().get(CommitKeys.RUN_ID), inputs);
        return new Result(true, 0, 0, 0, 0, 0, 0, 0, 0, 0, Map.of(), Map.of(), inputs, null);
      }
    }
    ctx.step("building source profiles");
    DataModel model = new DataModel(ctx.spark(), ctx.tenant(), ctx.tables());
    Dataset<Row> profiles = Profiles.build(model).persist(StorageLevel.MEMORY_AND_DISK());
    ctx.step("matching and clustering");
    ResolutionEngine.Result r = new ResolutionEngine(ctx.spark(), rules).resolve(profiles, saved, Double.NaN);
    if (r.model() != null && r.model() != saved) {
      models.save(r.model());
      LOG.info("Match model trained on {} profiles and saved to {}", r.records(), models.location());
    }
    inputs = fingerprint(r.model());
    Dataset<Row> previous = ctx.lake().exists(link) ? ctx.spark().table(link).select(ResolutionEngine.ID, "unified_id") : null;
    Dataset<Row> ids = StableIds.assign(r.clusters(), previous).localCheckpoint();
    long kept = previous == null ? 0
        : ids.join(previous.withColumnRenamed("unified_id", "prev"), ResolutionEngine.ID)
            .filter(functions.col("unified_id").equalTo(functions.col("prev"))).count();
    Dataset<Row> linked = Profiles.newestValues(profiles).join(ids, ResolutionEngine.ID)
        .persist(StorageLevel.MEMORY_AND_DISK());

    ctx.step("reconciling unified profiles");
    ctx.lake().ensureNamespace(ctx.tables().namespace("unified"));
    Map<String, String> commit = Map.of(CommitKeys.RUN_ID, ctx.runId(), CommitKeys.JOB, ctx.job());
    Dataset<Row> unified = Reconciler.unify(linked, rules.reconciliation());
    replace(TenantTables.UNIFIED_INDIVIDUAL, unified, commit);
    Dataset<Row> recordIds = linked.select(ResolutionEngine.ID, "unified_id", "source");
    replace(TenantTables.UNIFIED_CONTACT_POINT_EMAIL, contactPoints(model, StandardModel.CONTACT_POINT_EMAIL, recordIds,
        Normalizer.EMAIL, functions.col("EmailAddress"), functions.col("EmailAddress").as("email_address"),
        functions.col("OptInStatus").as("opt_in_status")), commit);
    replace(TenantTables.UNIFIED_CONTACT_POINT_PHONE, contactPoints(model, StandardModel.CONTACT_POINT_PHONE, recordIds,
        Normalizer.PHONE, functions.col("PhoneNumber"), functions.col("PhoneNumber").as("phone_number"),
        functions.col("PhoneType").as("phone_type"), functions.col("OptInStatus").as("opt_in_status")), commit);
    replace(TenantTables.UNIFIED_CONTACT_POINT_ADDRESS, contactPoints(model, StandardModel.CONTACT_POINT_ADDRESS, recordIds,
        Normalizer.ADDRESS, functions.concat_ws(" ", functions.col("AddressLine1"), functions.col("AddressLine2"),
            functions.col("City"), functions.col("PostalCode"), functions.col("Country")),
        functions.col("AddressLine1").as("address_line1"), functions.col("AddressLine2").as("address_line2"),
        functions.col("City").as("city"), functions.col("StateProvince").as("state_province"),
        functions.col("PostalCode").as("postal_code"), functions.col("Country").as("country")), commit);
    replace(TenantTables.MATCH_EXPLANATIONS, r.edges().select(functions.col("a").as("record_id_a"), functions.col("b").as("record_id_b"),
        functions.col("rule"), functions.col("scores"), functions.col("levels"), functions.lit(ctx.runId()).as("run_id")),
        commit);
    Map<String, String> linkCommit = new LinkedHashMap<>(commit);
    linkCommit.put(CommitKeys.INPUTS, inputs);
    replace(TenantTables.UNIFIED_LINK_INDIVIDUAL, linked.select(functions.col(ResolutionEngine.ID), functions.col("unified_id"),
        functions.col("dso").as("data_source_object_id"), functions.col("individual_id"), functions.col("source")), linkCommit);

    long source = r.records();
    long unifiedCount = ctx.spark().table(ctx.tables().unifiedIndividual()).count();
    Row largest = linked.groupBy("unified_id").count().agg(functions.max("count")).first();
    linked.unpersist();
    profiles.unpersist();
    LOG.info("{} source profiles -> {} unified profiles ({} ids kept from the previous run)", source, unifiedCount, kept);
    Map<String, Object> modelSummary = null;
    if (r.model() != null) {
      modelSummary = new LinkedHashMap<>();
      modelSummary.put("file", models.location());
      modelSummary.put("trained_in_this_run", r.model() != saved);
      modelSummary.put("parameters", r.model().toMap());
    }
    return new Result(false, source, unifiedCount, largest.isNullAt(0) ? 0 : largest.getLong(0), r.candidatePairs(),
        r.matchedPairs(), r.iterations(), r.oversizedClusters(), r.weakLinksCut(), kept, r.stageMillis(), r.lucenePartitionsByExecutor(),
        inputs, modelSummary);
  }

  /**
   * Every contact point of the DMO whose party is a resolved source record (not only the latest one each
   * record was matched on), with its unified id, source record, source, and the normalized value
   * (deduplication key); values the normalizer rejects (placeholders) are left out.
   */
  private static Dataset<Row> contactPoints(DataModel model, String dmo, Dataset<Row> recordIds, Normalizer normalizer,
      Column raw, Column... fields) {
    Column[] cols = new Column[fields.length + 3];
    cols[0] = Profiles.key("PartyId");
    cols[1] = normalizer.column(raw).as("value");
    cols[2] = functions.col("LastModifiedDate").as("last_modified");
    System.arraycopy(fields, 0, cols, 3, fields.length);
    Dataset<Row> cp = model.dmo(dmo).select(cols).filter("value IS NOT NULL").join(recordIds, ResolutionEngine.ID);
    java.util.List<Column> ordered = new java.util.ArrayList<>();
    ordered.add(functions.col("unified_id"));
    for (String c : cp.columns()) {
      if (!c.equals("unified_id")) {
        ordered.add(functions.col(c));
      }
    }
    return cp.select(ordered.toArray(new Column[0]));
  }

  private void replace(String name, Dataset<Row> rows, Map<String, String> commit) {
    String table = ctx.tables().unified(name);
    ctx.lake().commitWith(commit, () -> {
      rows.writeTo(table).using("iceberg").tableProperty("format-version", "2").createOrReplace();
      return null;
    });
  }

  /**
   * SHA-256 of what decides the result: the configuration file's bytes, the trained model's parameters and the
   * current snapshot of every DLO the profile DMOs read. Content only, so every JVM computes the same.
   */
  private String fingerprint(MatchModel model) {
    return InputFingerprint.sha256("config=" + configSha256 + "\nmodel=" + (model == null ? "none" : model.parametersSha256())
        + "\n" + inputSnapshots());
  }

  /** The content snapshot of every DLO the profile DMOs read (maintenance commits do not count), as one string. */
  private String inputSnapshots() {
    Set<String> out = new TreeSet<>();
    for (DmoMapping m : ctx.tenant().mappings()) {
      if (PROFILE_DMOS.contains(m.dmo())) {
        String t = ctx.tables().dlo(m.dlo());
        out.add(m.dlo() + "=" + (ctx.lake().exists(t)
            ? InputFingerprint.contentSnapshot(ctx.lake().table(t), ctx.lake().table(t).currentSnapshot()) : "none"));
      }
    }
    return String.join(";", out);
  }
}
