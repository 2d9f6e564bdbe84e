package io.lakecdp.identity;

import io.lakecdp.common.config.EnvConfig;
import io.lakecdp.common.config.TenantConfig;
import io.lakecdp.common.job.JobContext;
import io.lakecdp.common.job.JobMain;
import io.lakecdp.common.job.JobResult;
import io.lakecdp.common.model.DataModel;
import io.lakecdp.common.normalize.Normalizer;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Benchmark of the identity-resolution tenant run on generated demo profiles already ingested into the
 * tenant's DLOs (scripts/bench-identity.sh does the generating and ingesting): the whole run through
 * its job code, its quality against the generator's truth (pairwise, B-cubed and hard negatives), peak
 * memory, and in the same JVM the rules-only configuration and an exact-match baseline (normalized e-mail or
 * phone equality + the same connected components) so the cost and the gain of learned weights are both visible.
 */
@Command(name = "bench-identity", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Benchmark identity resolution against an exact-match baseline on ingested demo profiles.")
public final class IdentityBenchmark extends IdentityResolutionCommand {
  @Option(names = "--truth", required = true, description = "The generator's _truth folder of the ingested data.") Path truth;

  @Option(names = "--rules-only", paramLabel = "FILE",
      description = "Rules-only configuration run after the tenant's for comparison (default: <conf>/identity/demo-rules.yaml;"
          + " 'none' to skip).")
  String rulesOnly;

  @Option(names = "--change-percent", paramLabel = "P", description = """
      After the complete run, change P% of the source profiles in the CRM DLO (a new e-mail for half of them, a new
      last name for the others), time an incremental run against a complete one (--full) on the changed data, check
      that both give the same clusters, then roll the DLO back (default: ${DEFAULT-VALUE}; 0: skip).""")
  double changePercent = 1.0;

  public IdentityBenchmark() {
    super("bench-identity");
  }

  @Override
  protected void validate(EnvConfig env, TenantConfig tenant) {
    super.validate(env, tenant);
    if (!Files.isDirectory(truth)) {
      throw new io.lakecdp.common.config.ConfigException("--truth", "truth", "not a folder: " + truth);
    }
  }

  @Override
  protected JobResult execute(JobContext ctx) {
    SparkSession spark = ctx.spark();
    String truthDir = truth.toAbsolutePath().toString();
    int cores = spark.sparkContext().defaultParallelism();
    resetPeaks();

    long start = System.nanoTime();
    IdentityResolutionJob.Result run = new IdentityResolutionJob(ctx, rules(), configSha256()).run(true, false);
    double seconds = (System.nanoTime() - start) / 1e9;
    long peakHeap = peakHeapBytes();
    Dataset<Row> link = spark.table(ctx.tables().unifiedLink())
        .select(functions.col(ResolutionEngine.ID), functions.col("unified_id").as("cluster_id"));
    Map<String, Double> quality = DemoGroundTruth.quality(spark, truthDir, link);
    Map<String, long[]> negatives = DemoGroundTruth.hardNegatives(spark, truthDir, link);
    Map<String, Long> wrongEdges = DemoGroundTruth.wrongEdgesByRule(spark, truthDir,
        spark.table(ctx.tables().matchExplanations()));
    Map<String, Object> incremental = changePercent > 0 ? incremental(ctx, run.sourceProfiles()) : Map.of();

    resetPeaks();
    long baseStart = System.nanoTime();
    Dataset<Row> baseline = exactBaseline(spark, new DataModel(spark, ctx.tenant(), ctx.tables()));
    String baselineTable = ctx.tables().unified("bench_exact_baseline");
    baseline.writeTo(baselineTable).using("iceberg").createOrReplace();
    double baseSeconds = (System.nanoTime() - baseStart) / 1e9;
    long basePeakHeap = peakHeapBytes();
    Map<String, Double> baseQuality = DemoGroundTruth.quality(spark, truthDir, spark.table(baselineTable));

    Map<String, Object> rulesFigures = new LinkedHashMap<>();
    Path rulesFile = rulesOnly == null ? confDir.resolve("identity/demo-rules.yaml") : Path.of(rulesOnly);
    if (!"none".equals(rulesOnly) && Files.isRegularFile(rulesFile)) {
      long rulesStart = System.nanoTime();
      new IdentityResolutionJob(ctx, RuleSet.load(rulesFile), "rules-only").run(true, false);
      double rulesSeconds = (System.nanoTime() - rulesStart) / 1e9;
      Map<String, Double> rq = DemoGroundTruth.quality(spark, truthDir, spark.table(ctx.tables().unifiedLink())
          .select(functions.col(ResolutionEngine.ID), functions.col("unified_id").as("cluster_id")));
      rulesFigures.put("file", rulesFile.toString());
      rulesFigures.put("seconds", round(rulesSeconds));
      rulesFigures.put("precision", round(rq.get("precision")));
      rulesFigures.put("recall", round(rq.get("recall")));
      rulesFigures.put("f1", round(rq.get("f1")));
    }

    Map<String, Object> d = new LinkedHashMap<>();
    d.put("source_profiles", run.sourceProfiles());
    d.put("unified_profiles", run.unifiedProfiles());
    d.put("cores", cores);
    d.put("seconds", round(seconds));
    d.put("records_per_second_per_core", round(run.sourceProfiles() / seconds / cores));
    d.put("candidate_pairs_per_record", round((double) run.candidatePairs() / Math.max(1, run.sourceProfiles())));
    d.put("pairs_scored_per_second", round((Double) run.details().get("pairs_scored_per_second")));
    d.put("stage_ms", run.stageMillis());
    d.put("peak_heap_mb", peakHeap >> 20);
    d.put("peak_rss_mb", peakRssMb());
    d.put("precision", round(quality.get("precision")));
    d.put("recall", round(quality.get("recall")));
    d.put("f1", round(quality.get("f1")));
    d.put("bcubed_f1", round(quality.get("bcubed_f1")));
    Map<String, String> hn = new LinkedHashMap<>();
    negatives.forEach((k, v) -> hn.put(k, v[1] + " of " + v[0] + " merged"));
    d.put("hard_negatives", hn);
    d.put("matched_pairs_of_different_people_by_rule", wrongEdges);
    d.put("baseline_seconds", round(baseSeconds));
    d.put("baseline_peak_heap_mb", basePeakHeap >> 20);
    d.put("baseline_precision", round(baseQuality.get("precision")));
    d.put("baseline_recall", round(baseQuality.get("recall")));
    d.put("baseline_f1", round(baseQuality.get("f1")));
    d.put("time_ratio_vs_baseline", round(seconds / baseSeconds));
    d.put("rules_only", rulesFigures);
    d.put("incremental", incremental);
    d.put("match_model", run.model());
    System.out.printf(Locale.ROOT, "| %,d | %.1f | %,.0f | %.1f | %,.0f | %,d | %.3f / %.3f / %.3f | %.1f | %.3f / %.3f / %.3f | %.2f× |%n",
        run.sourceProfiles(), seconds, run.sourceProfiles() / seconds / cores, (double) d.get("candidate_pairs_per_record"),
        (double) d.get("pairs_scored_per_second"), peakHeap >> 20, quality.get("precision"), quality.get("recall"),
        quality.get("f1"), baseSeconds, baseQuality.get("precision"), baseQuality.get("recall"), baseQuality.get("f1"),
        seconds / baseSeconds);
    System.out.println(jsonLine("complete_vs_exact_baseline", seconds, baseSeconds, run.sourceProfiles()));
    if (!incremental.isEmpty()) {
      System.out.println(jsonLine("incremental_vs_complete", (double) incremental.get("incremental_seconds"),
          (double) incremental.get("complete_seconds"), run.sourceProfiles()));
    }
    if (!rulesFigures.isEmpty()) {
      System.out.println(jsonLine("rules_only_vs_exact_baseline", (double) rulesFigures.get("seconds"), baseSeconds,
          run.sourceProfiles()));
    }
    return JobResult.of(run.sourceProfiles(), run.unifiedProfiles(), d);
  }

  /**
   * Changes {@link #changePercent} of the source profiles in the CRM DLO, times an incremental run and then a
   * complete one on the same data, compares their clusters, and rolls the DLO back to where it was.
   */
  private Map<String, Object> incremental(JobContext ctx, long profiles) {
    SparkSession spark = ctx.spark();
    String crm = ctx.tables().dlo("crm_contacts");
    long before = ctx.lake().table(crm).currentSnapshot().snapshotId();
    long crmRows = spark.table(crm).count();
    long threshold = Math.round(Math.min(1.0, changePercent / 100.0 * profiles / crmRows) * 1_000_000);
    String picked = "pmod(xxhash64(contact_id), 1000000) < " + threshold;
    long changed = spark.table(crm).filter(picked).count();
    spark.sql("UPDATE " + crm + " SET email = CASE WHEN pmod(xxhash64(contact_id, 1), 2) = 0 THEN concat('new.', email)"
        + " ELSE email END, last_name = CASE WHEN pmod(xxhash64(contact_id, 1), 2) = 1 THEN concat(last_name, 'son')"
        + " ELSE last_name END, updated_at = current_timestamp() WHERE " + picked);
    System.err.printf(Locale.ROOT, "bench-identity: %,d CRM contacts changed (%.2f%% of %,d profiles)%n", changed,
        100.0 * changed / profiles, profiles);
    long start = System.nanoTime();
    IdentityResolutionJob.Result inc = new IdentityResolutionJob(ctx, rules(), configSha256()).run(false, false, false);
    double incSeconds = (System.nanoTime() - start) / 1e9;
    Dataset<Row> afterIncremental = spark.table(ctx.tables().unifiedLink()).select(ResolutionEngine.ID, "unified_id")
        .localCheckpoint();
    start = System.nanoTime();
    IdentityResolutionJob.Result full = new IdentityResolutionJob(ctx, rules(), configSha256()).run(true, false, true);
    double fullSeconds = (System.nanoTime() - start) / 1e9;
    Dataset<Row> afterFull = spark.table(ctx.tables().unifiedLink()).select(ResolutionEngine.ID, "unified_id");
    long differing = afterIncremental.except(afterFull).count() + afterFull.except(afterIncremental).count();
    spark.sql("CALL " + ctx.tables().catalog() + ".system.rollback_to_snapshot('" + crm.substring(crm.indexOf('.') + 1)
        + "', " + before + ")");
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("profiles_changed_in_dlo", changed);
    out.put("mode", inc.mode());
    out.put("profiles_changed", inc.profilesChanged());
    out.put("clusters_touched", inc.clustersTouched());
    out.put("units_searched", inc.unitsSearched());
    out.put("rows_rewritten", inc.rowsRewritten());
    out.put("incremental_seconds", round(incSeconds));
    out.put("incremental_stage_ms", inc.stageMillis());
    out.put("complete_seconds", round(fullSeconds));
    out.put("complete_stage_ms", full.stageMillis());
    out.put("ratio", round(incSeconds / fullSeconds));
    out.put("link_rows_differing", differing);
    System.out.printf(Locale.ROOT, "| incremental after %,d changed | %.1f s | complete %.1f s | ratio %.3f | %d link rows"
        + " differ |%n", changed, incSeconds, fullSeconds, incSeconds / fullSeconds, differing);
    return out;
  }

  private static String jsonLine(String comparison, double seconds, double baselineSeconds, long rows) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("bench", "identity");
    line.put("comparison", comparison);
    line.put("lakecdp_s", round(seconds));
    line.put("baseline_s", round(baselineSeconds));
    line.put("ratio", round(seconds / baselineSeconds));
    line.put("rows", rows);
    return io.lakecdp.common.job.Json.write(line);
  }

  /**
   * What a user without fuzzy matching would write: records sharing a normalized e-mail or phone are
   * one person (connected components over those links), everything else stays alone.
   */
  static Dataset<Row> exactBaseline(SparkSession spark, DataModel model) {
    Dataset<Row> profiles = Profiles.build(model).select(ResolutionEngine.ID, "email", "phone")
        .persist(StorageLevel.MEMORY_AND_DISK());
    Column email = Normalizer.EMAIL.column(functions.col("email"));
    Column phone = Normalizer.PHONE.column(functions.col("phone"));
    Dataset<Row> values = profiles.select(functions.col(ResolutionEngine.ID),
        functions.explode_outer(functions.split(functions.col("email"), Comparison.MULTI)).as("email"),
        functions.col("phone"))
        .select(functions.col(ResolutionEngine.ID), functions.col("email"),
            functions.explode_outer(functions.split(functions.col("phone"), Comparison.MULTI)).as("phone"));
    Dataset<Row> keys = values.select(functions.col(ResolutionEngine.ID),
            functions.explode(functions.array(functions.concat(functions.lit("e:"), email),
                functions.concat(functions.lit("p:"), phone))).as("k"))
        .filter("k IS NOT NULL").distinct();
    Dataset<Row> first = keys.groupBy("k").agg(functions.min(ResolutionEngine.ID).as("a"));
    Dataset<Row> edges = keys.join(first, "k").filter(functions.col(ResolutionEngine.ID).notEqual(functions.col("a")))
        .select(functions.col("a"), functions.col(ResolutionEngine.ID).as("b"));
    Dataset<Row> labels = ConnectedComponents.of(spark, profiles.select(ResolutionEngine.ID), edges).labels();
    return labels.select(functions.col(ResolutionEngine.ID), functions.col("cluster_id"));
  }

  private static void resetPeaks() {
    System.gc();
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      pool.resetPeakUsage();
    }
  }

  /** Sum of the heap pools' peaks since the last reset (an upper bound of the peak heap in use). */
  private static long peakHeapBytes() {
    long sum = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        sum += pool.getPeakUsage().getUsed();
      }
    }
    return sum;
  }

  /** The process's resident-set high-water mark (Linux), or -1. */
  private static long peakRssMb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("\\D", "")) >> 10;
        }
      }
    } catch (Exception e) {
      return -1;
    }
    return -1;
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  public static void main(String[] args) {
    JobMain.exit(new IdentityBenchmark(), args);
  }
}
