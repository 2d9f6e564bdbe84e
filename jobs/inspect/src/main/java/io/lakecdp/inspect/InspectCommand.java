package io.lakecdp.inspect;

import io.lakecdp.common.config.EnvConfig;
import io.lakecdp.common.config.TenantConfig;
import io.lakecdp.common.job.JobCommand;
import io.lakecdp.common.job.JobContext;
import io.lakecdp.common.job.JobMain;
import io.lakecdp.common.job.JobResult;
import io.lakecdp.common.lake.TenantTables;
import io.lakecdp.common.model.DataModel;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;

/** Prints what a tenant's lake holds: tables and row counts per namespace, quarantine, DMOs. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
    description = "Print a tenant's Iceberg tables with row counts, quarantined rows by stream and reason, and DMO row counts.")
public class InspectCommand extends JobCommand {
  @picocli.CommandLine.Option(names = "--same-unified-as", paramLabel = "TENANT",
      description = "Also compare this tenant's unified ids with another tenant's (record id -> unified id) and exit 1 "
          + "when they differ: did two runs over the same input resolve identically (e.g. a cluster and a local run)?")
  String otherTenant;

  public InspectCommand() {
    super("inspect", Trait.READ_ONLY);
  }

  @Override
  protected void validate(EnvConfig env, TenantConfig tenant) {}

  @Override
  protected JobResult execute(JobContext ctx) {
    SparkSession spark = ctx.spark();
    PrintWriter out = spec.commandLine().getOut();
    TenantTables tables = ctx.tables();
    Map<String, Object> counts = new LinkedHashMap<>();
    ctx.step("counting tables");
    out.printf("== Tables of tenant %s (catalog %s, warehouse %s)%n", ctx.tenant().name(),
        ctx.env().catalogName(), ctx.env().warehouse());
    for (String layer : TenantTables.LAYERS) {
      for (String name : ctx.lake().tables(tables.namespace(layer))) {
        long n = spark.table(name).count();
        counts.put(name, n);
        out.printf("  %-55s %,12d rows%n", name, n);
      }
    }
    Map<String, Object> quarantine = new LinkedHashMap<>();
    if (spark.catalog().tableExists(tables.quarantine())) {
      ctx.step("summarising quarantine");
      out.println("== Quarantined records by stream and reason");
      List<Row> rows = spark.sql("SELECT stream, regexp_extract(reason, '^([^:;]*)', 1) AS kind, count(*) AS n FROM "
          + tables.quarantine() + " GROUP BY 1, 2 ORDER BY 1, 3 DESC").collectAsList();
      for (Row r : rows) {
        out.printf("  %-25s %-45s %,10d%n", r.getString(0), r.getString(1), r.getLong(2));
        quarantine.put(r.getString(0) + ": " + r.getString(1), r.getLong(2));
      }
    }
    ctx.step("counting DMOs");
    out.println("== Data Model Objects (virtual: resolved from DLO mappings at read time)");
    DataModel model = new DataModel(spark, ctx.tenant(), tables);
    Map<String, Object> dmoCounts = new LinkedHashMap<>();
    for (String dmo : ctx.tenant().dmos().keySet()) {
      long n = model.dmo(dmo).count();
      dmoCounts.put(dmo, n);
      out.printf("  %-30s %,12d rows%n", dmo, n);
    }
    Map<String, Object> details = new LinkedHashMap<>();
    if (otherTenant != null) {
      TenantTables other = new TenantTables(tables.catalog(), otherTenant);
      String mine = tables.unifiedLink();
      String theirs = other.unifiedLink();
      if (!spark.catalog().tableExists(mine) || !spark.catalog().tableExists(theirs)) {
        throw new io.lakecdp.common.job.InvalidInputException("both " + mine + " and " + theirs + " must exist to compare");
      }
      var a = spark.table(mine).select("record_id", "unified_id");
      var b = spark.table(theirs).select("record_id", "unified_id");
      long differing = a.exceptAll(b).count() + b.exceptAll(a).count();
      out.printf("== Unified ids of %s vs %s: %,d records, %,d rows differ%n", ctx.tenant().name(), otherTenant,
          a.count(), differing);
      details.put("unified_rows_differing", differing);
      if (differing > 0) {
        out.flush();
        throw new io.lakecdp.common.job.JobFailedException(differing + " (record id, unified id) rows differ between "
            + ctx.tenant().name() + " and " + otherTenant, JobResult.of(0, 0, details));
      }
    }
    out.flush();
    details.put("tables", counts);
    details.put("quarantine", quarantine);
    details.put("dmos", dmoCounts);
    return JobResult.of(0, 0, details);
  }

  public static void main(String[] args) {
    JobMain.exit(new InspectCommand(), args);
  }
}
