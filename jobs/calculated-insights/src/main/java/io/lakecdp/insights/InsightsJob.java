package io.lakecdp.insights;

import io.lakecdp.common.config.definition.InsightDefinition;
import io.lakecdp.common.job.JobContext;
import io.lakecdp.common.job.JobResult;
import io.lakecdp.common.lake.CommitKeys;
import io.lakecdp.common.lake.InputFingerprint;
import io.lakecdp.common.lake.Lake;
import io.lakecdp.common.model.DataModel;
import io.lakecdp.common.model.UnifiedModel;
import io.lakecdp.common.sql.TenantSql;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.Snapshot;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Materializes each insight as {@code <tenant>_cio.<name>} with an atomic replace. Every insight is
 * checked against the model's schemas before any is run; an insight whose input snapshots and SQL are
 * those of its last materialization is skipped.
 */
public final class InsightsJob {
  private static final Logger LOG = LoggerFactory.getLogger(InsightsJob.class);

  private final JobContext ctx;
  private final List<InsightDefinition> insights;

  public InsightsJob(JobContext ctx, List<InsightDefinition> insights) {
    this.ctx = ctx;
    this.insights = insights;
  }

  public record Result(Map<String, Map<String, Object>> perInsight, long rowsWritten, int computed, int skipped)
      implements JobResult {
    @Override
    public long rowsIn() {
      return 0;
    }

    @Override
    public long rowsOut() {
      return rowsWritten;
    }

    @Override
    public String skipReason() {
      return computed == 0 && skipped > 0 ? JobResult.INPUTS_UNCHANGED : null;
    }

    @Override
    public Map<String, Object> details() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("computed", computed);
      m.put("skipped", skipped);
      m.put("insights", perInsight);
      return m;
    }
  }

  public Result run() {
    SparkSession spark = ctx.spark();
    ctx.step("checking " + insights.size() + " insight(s) against the data model");
    InsightCompiler.registerSchemaViews(spark, ctx.tenant().dmos(), ctx.tables());
    Set<String> readable = TenantSql.modelNames(ctx.tenant());
    for (InsightDefinition insight : insights) {
      InsightCompiler.check(spark, insight, readable);
    }
    new DataModel(spark, ctx.tenant(), ctx.tables()).registerViews();
    UnifiedModel.registerViews(spark, ctx.tables());
    Lake lake = ctx.lake();
    lake.ensureNamespace(ctx.tables().namespace("cio"));
    Map<String, Map<String, Object>> per = new LinkedHashMap<>();
    long rows = 0;
    int computed = 0;
    int skipped = 0;
    for (InsightDefinition insight : insights) {
      long start = System.currentTimeMillis();
      Dataset<Row> df = InsightCompiler.check(spark, insight, readable);
      String inputs = InsightCompiler.inputs(df, insight.sql());
      String table = ctx.tables().cio(insight.name());
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("table", table);
      Snapshot last = lake.exists(table) ? lake.lastWrite(table) : null;
      if (last != null && inputs.equals(last.summary().get(CommitKeys.INPUTS))) {
        LOG.info("Insight {}: inputs unchanged since run {}, skipped", insight.name(), last.summary().get(CommitKeys.RUN_ID));
        r.put("status", "skipped: inputs unchanged since the last successful run");
        r.put("input_fingerprint", InputFingerprint.sha256(inputs));
        skipped++;
      } else {
        ctx.step("insight " + insight.name());
        Map<String, String> commit = new LinkedHashMap<>();
        commit.put(CommitKeys.RUN_ID, ctx.runId());
        commit.put(CommitKeys.JOB, ctx.job());
        commit.put(CommitKeys.INPUTS, inputs);
        lake.commitWith(commit, () -> {
          df.writeTo(table).using("iceberg").tableProperty("format-version", "2").createOrReplace();
          return null;
        });
        long n = Long.parseLong(lake.table(table).currentSnapshot().summary().getOrDefault("total-records", "0"));
        rows += n;
        computed++;
        r.put("status", "computed");
        r.put("rows", n);
        LOG.info("Insight {}: {} rows written to {}", insight.name(), n, table);
      }
      r.put("duration_ms", System.currentTimeMillis() - start);
      per.put(insight.name(), r);
    }
    return new Result(per, rows, computed, skipped);
  }
}
