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
  public record Result(@JsonIgnore boolean skipped, String mode, long sourceProfiles, long unifiedProfiles,
      long largestCluster, long candidatePairs, long matchedPairs, @JsonProperty("cc_iterations") int iterations,
      long oversizedClusters, long weakLinksCut, @JsonProperty("unified_ids_kept_from_previous_run") long keptIds,
      long profilesChanged, long profilesDeleted, long clustersTouched, long unitsSearched,
      Map<String, Long> rowsRewritten, @JsonProperty("stage_ms") Map<String, Long> stageMillis,
      Map<String, Long> retrievalPartitionsByExecutor, @JsonProperty("input_fingerprint") String fingerprint,
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
    return run(false, false, false);
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

  /** The term frequencies saved with the model (null: none, or no model). */
  Dataset<Row> savedFrequencies(MatchModel model) {
    return model == null ? null : models.loadFrequencies(ctx.spark(), model);
  }

  /** Learns the match weights on the tenant's current profiles and saves them (identity-resolution train). */
  public MatchModel train() {
    ctx.step("training the match model");
    DataModel model = new DataModel(ctx.spark(), ctx.tenant(), ctx.tables());
    ResolutionEngine engine = new ResolutionEngine(ctx.spark(), rules);
    Dataset<Row> normalized = engine.normalize(Profiles.build(model)).persist(StorageLevel.MEMORY_AND_DISK());
    MatchModel trained = ModelTrainer.train(ctx.spark(), normalized, normalized.count(), rules, engine.fields());
    models.save(trained);
    Dataset<Row> frequencies = engine.termFrequencies(normalized);
    if (frequencies != null) {
      models.saveFrequencies(frequencies, trained);
    }
    normalized.unpersist();
    LOG.info("Match model saved to {}", models.location());
    return trained;
  }

  /** As {@link #run(boolean, boolean, boolean)}, a forced run being a complete one. */
  Result run(boolean force, boolean retrain) {
    return run(force, retrain, force);
  }

  /**
   * @param force resolve even when the inputs did not change (benchmarks)
   * @param retrain learn the weights again even when a saved model fits
   * @param full resolve every profile again, not only what changed since the last run
   */
  Result run(boolean force, boolean retrain, boolean full) {
    // The datasets a run keeps in memory live for the run only: uncompressed. Spark's column compression spent a
    // quarter of the normalizing stage dictionary-encoding values that are mostly unique (record ids, hashes, names).
    return io.lakecdp.common.spark.SparkSessions.withUncompressedCaches(ctx.spark(), () -> resolve(force, retrain, full));
  }

  private Result resolve(boolean force, boolean retrain, boolean full) {
    String link = ctx.tables().unifiedLink();
    MatchModel saved = retrain ? null : savedModel();
    String inputs = fingerprint(saved);
    if (!force && !retrain && ctx.lake().exists(link)) {
      Snapshot last = ctx.lake().lastWrite(link);
      if (last != null && inputs.equals(last.summary().get(CommitKeys.INPUTS))) {
        LOG.info("Inputs unchanged since run {} (fingerprint {}): nothing to do", last.summary().get(CommitKeys.RUN_ID), inputs);
        return new Result(true, "skipped", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, Map.of(), Map.of(), Map.of(), inputs,
            null);
      }
    }
    ResolutionState previous = full || saved == null && rules.probabilistic() ? null
        : ResolutionState.read(ctx, state(saved));
    if (previous == null) {
      LOG.info("Complete run: every profile is resolved{}", full ? " (asked for)" : "");
    }
    ctx.step("building source profiles");
    DataModel model = new DataModel(ctx.spark(), ctx.tenant(), ctx.tables());
    Dataset<Row> profiles = Profiles.withContentHash(Profiles.build(model)).persist(StorageLevel.MEMORY_AND_DISK());
    ctx.step("matching");
    Dataset<Row> frequencies = saved == null ? null : models.loadFrequencies(ctx.spark(), saved);
    ResolutionEngine engine = new ResolutionEngine(ctx.spark(), rules);
    ResolutionEngine.Matching m = engine.match(profiles, saved, Double.NaN,
        previous == null ? null : new ResolutionEngine.Previous(previous.units(), previous.edges()), frequencies);
    if (m.model() != null && m.model() != saved) {
      models.save(m.model());
      LOG.info("Match model trained on {} profiles and saved to {}", m.records(), models.location());
    }
    if (m.frequencies() != null && (m.model() != saved || frequencies == null)) {
      models.saveFrequencies(m.frequencies(), m.model());
    }
    inputs = fingerprint(m.model());
    ctx.step("clustering");
    long t = System.nanoTime();
    Map<String, String> commit = Map.of(CommitKeys.RUN_ID, ctx.runId(), CommitKeys.JOB, ctx.job());
    ctx.lake().ensureNamespace(ctx.tables().namespace("unified"));
    Written w = previous == null ? complete(profiles, m, engine, commit) : incremental(profiles, m, engine, previous, commit);
    Map<String, Long> stages = new LinkedHashMap<>(m.stageMillis());

    ctx.step("writing the link table");
    Map<String, String> linkCommit = new LinkedHashMap<>(commit);
    linkCommit.put(CommitKeys.INPUTS, inputs);
    linkCommit.put(CommitKeys.RESOLUTION_STATE, state(m.model()) + " " + ResolutionState.snapshots(ctx));
    Map<String, Long> rows = new LinkedHashMap<>(w.rows());
    rows.put(TenantTables.UNIFIED_LINK_INDIVIDUAL, w.link().apply(linkCommit));
    stages.put("clustering", w.clusteringMillis());
    stages.put("writing", (System.nanoTime() - t) / 1_000_000 - w.clusteringMillis());

    long source = m.records();
    long unifiedCount = ctx.spark().table(ctx.tables().unifiedIndividual()).count();
    Row largest = ctx.spark().table(link).groupBy("unified_id").count().agg(functions.max("count")).first();
    profiles.unpersist();
    m.release();
    LOG.info("{} source profiles -> {} unified profiles ({} ids kept from the previous run); {} run: {} profiles changed,"
        + " {} deleted, {} clusters touched, rows rewritten {}", source, unifiedCount, w.kept(),
        previous == null ? "complete" : "incremental", w.changed(), w.deleted(), w.touched(), rows);
    Map<String, Object> modelSummary = null;
    if (m.model() != null) {
      modelSummary = new LinkedHashMap<>();
      modelSummary.put("file", models.location());
      modelSummary.put("trained_in_this_run", m.model() != saved);
      modelSummary.put("parameters", m.model().toMap());
    }
    return new Result(false, previous == null ? "complete" : "incremental", source, unifiedCount,
        largest.isNullAt(0) ? 0 : largest.getLong(0), m.candidatePairs(), m.matchedPairs(), w.clustering().iterations(),
        w.clustering().oversizedClusters(), w.clustering().weakLinksCut(), w.kept(), w.changed(), w.deleted(), w.touched(),
        m.unitsSearched(), rows, stages, m.retrievalPartitionsByExecutor(), inputs, modelSummary);
  }

  /**
   * What the writes before the link table did, and the link table's write, left for last: it records the input
   * fingerprint and the state the next run builds on, so an interrupted run is redone from the last complete one.
   */
  private record Written(ResolutionEngine.Clustering clustering, long clusteringMillis, long kept, long changed,
      long deleted, long touched,
      Map<String, Long> rows, java.util.function.Function<Map<String, String>, Long> link) {}

  /** Every profile clustered; every unified table replaced. */
  private Written complete(Dataset<Row> profiles, ResolutionEngine.Matching m, ResolutionEngine engine,
      Map<String, String> commit) {
    String link = ctx.tables().unifiedLink();
    long t = System.nanoTime();
    ResolutionEngine.Clustering c = engine.cluster(m.normalized().select(ResolutionEngine.ID), m.edges(), m.thresholdWeight());
    Dataset<Row> previous = ctx.lake().exists(link)
        ? ctx.spark().table(link).select(ResolutionEngine.ID, "unified_id").transform(Materialized::of) : null;
    Dataset<Row> ids = StableIds.assign(c.clusters(), previous).transform(Materialized::of);
    long kept = previous == null ? 0
        : ids.join(previous.withColumnRenamed("unified_id", "prev"), ResolutionEngine.ID)
            .filter(functions.col("unified_id").equalTo(functions.col("prev"))).count();
    Dataset<Row> linked = Profiles.newestValues(profiles).join(ids, ResolutionEngine.ID).join(c.components(), ResolutionEngine.ID)
        .persist(StorageLevel.MEMORY_AND_DISK());
    long clusteringMillis = (System.nanoTime() - t) / 1_000_000;
    ctx.step("reconciling unified profiles");
    Map<String, Long> rows = new LinkedHashMap<>();
    rows.put(TenantTables.UNIFIED_INDIVIDUAL, replace(TenantTables.UNIFIED_INDIVIDUAL, Reconciler.unify(linked,
        rules.reconciliation()), commit));
    rows.put(TenantTables.MATCH_EXPLANATIONS, replace(TenantTables.MATCH_EXPLANATIONS, explanations(m.edges()), commit));
    rows.put(TenantTables.RESOLUTION_UNITS, replace(TenantTables.RESOLUTION_UNITS, m.units().select("unit", "signature"),
        commit));
    rows.putAll(contactPoints(linked.select(ResolutionEngine.ID, "unified_id", "source"), null, commit));
    long n = linked.count();
    long components = c.components().select("component_id").distinct().count();
    return new Written(c, clusteringMillis, kept, n, 0, components, rows, linkCommit -> {
      replace(TenantTables.UNIFIED_LINK_INDIVIDUAL, linkRows(linked), linkCommit);
      linked.unpersist();
      return n;
    });
  }

  /**
   * Only the components (connected groups of the last run) that a changed, added or deleted profile or a changed
   * matched pair touches are clustered again; only their rows are rewritten. Each clustering step works within a
   * component, so the result is the complete run's.
   */
  private Written incremental(Dataset<Row> profiles, ResolutionEngine.Matching m, ResolutionEngine engine,
      ResolutionState previous, Map<String, String> commit) {
    String id = ResolutionEngine.ID;
    long t = System.nanoTime();
    Dataset<Row> prev = previous.link();
    Dataset<Row> current = profiles.select(id, "profile_sha256");
    Dataset<Row> changed = current.join(prev.select(functions.col(id), functions.col("profile_sha256").as("prev_sha")), id, "left")
        .filter("prev_sha IS NULL OR prev_sha <> profile_sha256").select(id).transform(Materialized::of);
    Dataset<Row> deleted = prev.select(id).join(current, id, "left_anti").transform(Materialized::of);
    Dataset<Row> pairs = m.edges().select("a", "b");
    Dataset<Row> before = previous.edges().select("a", "b");
    Dataset<Row> gone = before.except(pairs).transform(Materialized::of);
    Dataset<Row> pairChanges = pairs.except(before).union(gone);
    Dataset<Row> seeds = changed.union(deleted).union(pairChanges.select(functions.col("a").as(id)))
        .union(pairChanges.select(functions.col("b").as(id)));
    Dataset<Row> touched = seeds.join(prev, id).select("component_id").distinct().transform(Materialized::of);
    long touchedCount = touched.count();
    Dataset<Row> nodes = current.join(prev.select(id, "component_id"), id, "left")
        .join(touched.withColumn("hit", functions.lit(true)), "component_id", "left")
        .filter("component_id IS NULL OR hit").select(id).transform(Materialized::of);
    Dataset<Row> edges = m.edges().join(nodes.withColumnRenamed(id, "a"), "a", "left_semi");
    ResolutionEngine.Clustering c = engine.cluster(nodes, edges, m.thresholdWeight());
    Dataset<Row> prevTouched = prev.join(touched, "component_id", "left_semi").transform(Materialized::of);
    Dataset<Row> ids = StableIds.assign(c.clusters(), prevTouched.select(id, "unified_id")).transform(Materialized::of);
    long kept = prev.join(touched, "component_id", "left_anti").count()
        + ids.join(prevTouched.select(functions.col(id), functions.col("unified_id").as("prev")), id)
            .filter(functions.col("unified_id").equalTo(functions.col("prev"))).count();
    Dataset<Row> linked = Profiles.newestValues(profiles).join(ids, id).join(c.components(), id)
        .persist(StorageLevel.MEMORY_AND_DISK());
    long clusteringMillis = (System.nanoTime() - t) / 1_000_000;

    ctx.step("rewriting the touched clusters");
    Map<String, Long> rows = new LinkedHashMap<>();
    Dataset<Row> unified = Reconciler.unify(linked, rules.reconciliation());
    Dataset<Row> goneIds = prevTouched.select("unified_id").distinct().except(ids.select("unified_id"));
    rows.put(TenantTables.UNIFIED_INDIVIDUAL, merge(TenantTables.UNIFIED_INDIVIDUAL, unified, goneIds, commit, "unified_id"));
    // A pair's row changes when the units that found it change, or (its scores) when one of its records changed: the
    // weights and term frequencies are the last run's, or the run would be complete.
    Dataset<Row> newExplained = explanations(m.edges());
    Dataset<Row> oldExplained = previous.edges().select(functions.col("a").as("record_id_a"),
        functions.col("b").as("record_id_b"), functions.col("found_by"));
    Dataset<Row> pairKeys = newExplained.select("record_id_a", "record_id_b");
    Dataset<Row> changedIds = changed.select(id);
    Dataset<Row> upsertKeys = newExplained.select("record_id_a", "record_id_b", "found_by").except(oldExplained)
        .select("record_id_a", "record_id_b")
        .union(pairKeys.join(changedIds.withColumnRenamed(id, "record_id_a"), "record_id_a", "left_semi"))
        .union(pairKeys.join(changedIds.withColumnRenamed(id, "record_id_b"), "record_id_b", "left_semi"));
    Dataset<Row> upserts = newExplained.join(upsertKeys, new String[] {"record_id_a", "record_id_b"}, "left_semi");
    Dataset<Row> gonePairs = gone.select(functions.col("a").as("record_id_a"), functions.col("b").as("record_id_b"));
    rows.put(TenantTables.MATCH_EXPLANATIONS, merge(TenantTables.MATCH_EXPLANATIONS, upserts, gonePairs, commit,
        "record_id_a", "record_id_b"));
    // Units: the ones searched in this run are new or have new members; the ones this run no longer has are deleted.
    Dataset<Row> vanished = previous.unitIds().join(m.units().select("unit"), "unit", "left_anti");
    rows.put(TenantTables.RESOLUTION_UNITS, merge(TenantTables.RESOLUTION_UNITS,
        m.units().filter("fresh").select("unit", "signature"), vanished, commit, "unit"));
    // A record's contact points change only with the record (their digests are in its content hash) or its unified id:
    // the rows of the touched components' records are replaced.
    rows.putAll(contactPoints(profiles.select(id, "source").join(ids.select(id, "unified_id"), id),
        prevTouched.select(id), commit));
    Dataset<Row> newLinks = linkRows(linked);
    Dataset<Row> linkUpserts = newLinks.join(newLinks.select(id, "unified_id", "component_id", "profile_sha256")
        .except(prevTouched.select(id, "unified_id", "component_id", "profile_sha256")), id, "left_semi");
    long changedCount = changed.count();
    long deletedCount = deleted.count();
    return new Written(c, clusteringMillis, kept, changedCount, deletedCount, touchedCount, rows, linkCommit -> {
      long n = merge(TenantTables.UNIFIED_LINK_INDIVIDUAL, linkUpserts, deleted, linkCommit, id);
      linked.unpersist();
      return n;
    });
  }

  private static Dataset<Row> linkRows(Dataset<Row> linked) {
    return linked.select(functions.col(ResolutionEngine.ID), functions.col("unified_id"),
        functions.col("dso").as("data_source_object_id"), functions.col("individual_id"), functions.col("source"),
        functions.col("component_id"), functions.col("profile_sha256"));
  }

  private Dataset<Row> explanations(Dataset<Row> edges) {
    return edges.select(functions.col("a").as("record_id_a"), functions.col("b").as("record_id_b"), functions.col("rule"),
        functions.col("scores"), functions.col("levels"), functions.col("found_by"), functions.lit(ctx.runId()).as("run_id"));
  }

  /**
   * The three unified contact point tables from the DMOs (a join: no matching).
   *
   * @param recordIds the records whose contact points are written ({@code record_id, unified_id, source})
   * @param replaced null: the tables are replaced; else the records whose rows are replaced by these
   */
  private Map<String, Long> contactPoints(Dataset<Row> recordIds, Dataset<Row> replaced, Map<String, String> commit) {
    DataModel model = new DataModel(ctx.spark(), ctx.tenant(), ctx.tables());
    Map<String, Dataset<Row>> tables = new LinkedHashMap<>();
    tables.put(TenantTables.UNIFIED_CONTACT_POINT_EMAIL, contactPoints(model,
        StandardModel.CONTACT_POINT_EMAIL, recordIds, Normalizer.EMAIL, functions.col("EmailAddress"),
        functions.col("EmailAddress").as("email_address"), functions.col("OptInStatus").as("opt_in_status")));
    tables.put(TenantTables.UNIFIED_CONTACT_POINT_PHONE, contactPoints(model,
        StandardModel.CONTACT_POINT_PHONE, recordIds, Normalizer.PHONE, functions.col("PhoneNumber"),
        functions.col("PhoneNumber").as("phone_number"), functions.col("PhoneType").as("phone_type"),
        functions.col("OptInStatus").as("opt_in_status")));
    tables.put(TenantTables.UNIFIED_CONTACT_POINT_ADDRESS, contactPoints(model,
        StandardModel.CONTACT_POINT_ADDRESS, recordIds, Normalizer.ADDRESS, functions.concat_ws(" ",
            functions.col("AddressLine1"), functions.col("AddressLine2"), functions.col("City"), functions.col("PostalCode"),
            functions.col("Country")),
        functions.col("AddressLine1").as("address_line1"), functions.col("AddressLine2").as("address_line2"),
        functions.col("City").as("city"), functions.col("StateProvince").as("state_province"),
        functions.col("PostalCode").as("postal_code"), functions.col("Country").as("country")));
    Map<String, Long> rows = new LinkedHashMap<>();
    tables.forEach((name, content) -> rows.put(name, replaced == null || !ctx.lake().exists(ctx.tables().unified(name))
        ? replace(name, content, commit) : replaceRecords(name, content, replaced, commit)));
    return rows;
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

  /**
   * Replaces a unified table; returns its rows. A table without map columns is merge-on-read, so a later incremental
   * run writes delete files and new rows rather than whole files. One with map columns (match_explanations) stays
   * copy-on-write: Iceberg 1.10's compaction cannot read position deletes of such a table ("Invalid partition field
   * parent: map").
   */
  private long replace(String name, Dataset<Row> rows, Map<String, String> commit) {
    String table = ctx.tables().unified(name);
    boolean maps = java.util.Arrays.stream(rows.schema().fields())
        .anyMatch(f -> f.dataType() instanceof org.apache.spark.sql.types.MapType);
    String mode = maps ? "copy-on-write" : "merge-on-read";
    ctx.lake().commitWith(commit, () -> {
      rows.writeTo(table).using("iceberg").tableProperty("format-version", "2")
          .tableProperty("write.merge.mode", mode).tableProperty("write.delete.mode", mode)
          .tableProperty("write.update.mode", mode).createOrReplace();
      return null;
    });
    return ctx.spark().table(table).count();
  }

  /**
   * Upserts rows and deletes keys in a unified table in one MERGE commit (none when there is nothing to do);
   * returns the rows upserted and deleted.
   */
  private long merge(String name, Dataset<Row> upserts, Dataset<Row> deleteKeys, Map<String, String> commit,
      String... keys) {
    return mergeInto(name, upserts, deleteKeys, true, commit, keys);
  }

  /**
   * Replaces the rows of some records in a unified table in one MERGE commit (none when there is nothing to do): every
   * row of the {@code replaced} records is deleted, and {@code rows} inserted. Returns the rows inserted and the records
   * whose rows were deleted.
   */
  private long replaceRecords(String name, Dataset<Row> rows, Dataset<Row> replaced, Map<String, String> commit) {
    return mergeInto(name, rows, replaced, false, commit, ResolutionEngine.ID);
  }

  /**
   * @param update true: a source row updates the target row of its keys (upsert); false: the target rows of a deleted
   *     key are all deleted and every other source row is inserted (a row to insert never meets the ON condition, and
   *     each deleted key is one source row, so no target row meets two)
   */
  private long mergeInto(String name, Dataset<Row> rows, Dataset<Row> deleteKeys, boolean update,
      Map<String, String> commit, String... keys) {
    Dataset<Row> source = rows.withColumn("_delete", functions.lit(false))
        .unionByName(deleteKeys.select(java.util.Arrays.stream(keys).map(functions::col).toArray(Column[]::new)).distinct()
            .withColumn("_delete", functions.lit(true)), true)
        .transform(Materialized::of);
    long n = source.count();
    if (n == 0) {
      return 0;
    }
    String view = "lakecdp_ir_merge_" + name;
    source.createOrReplaceTempView(view);
    java.util.List<String> cols = java.util.List.of(rows.columns());
    String on = java.util.Arrays.stream(keys).map(k -> "t.`" + k + "` = s.`" + k + "`")
        .collect(java.util.stream.Collectors.joining(" AND "));
    String set = cols.stream().map(c -> "`" + c + "` = s.`" + c + "`").collect(java.util.stream.Collectors.joining(", "));
    String names = cols.stream().map(c -> "`" + c + "`").collect(java.util.stream.Collectors.joining(", "));
    String values = cols.stream().map(c -> "s.`" + c + "`").collect(java.util.stream.Collectors.joining(", "));
    String matched = update ? " ON " + on + " WHEN MATCHED AND s._delete THEN DELETE WHEN MATCHED THEN UPDATE SET " + set
        : " ON " + on + " AND s._delete WHEN MATCHED THEN DELETE";
    ctx.lake().commitWith(commit, () -> ctx.spark().sql("MERGE INTO " + ctx.tables().unified(name) + " t USING " + view
        + " s" + matched + " WHEN NOT MATCHED AND NOT s._delete THEN INSERT (" + names + ") VALUES (" + values + ")"));
    ctx.spark().catalog().dropTempView(view);
    return n;
  }

  /** What the next run may build on: the configuration and the model (the table snapshots are added by the run). */
  private String state(MatchModel model) {
    return "config=" + configSha256 + " model=" + (model == null ? "none" : model.parametersSha256());
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
