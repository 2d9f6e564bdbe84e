package io.lakecdp.insights;

import io.lakecdp.common.config.EnvConfig;
import io.lakecdp.common.config.Selection;
import io.lakecdp.common.config.TenantConfig;
import io.lakecdp.common.config.definition.InsightDefinition;
import io.lakecdp.common.job.JobCommand;
import io.lakecdp.common.job.JobContext;
import io.lakecdp.common.job.JobMain;
import io.lakecdp.common.job.JobResult;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Command line of the calculated-insights job. */
@Command(name = "calculated-insights", mixinStandardHelpOptions = true, sortOptions = false,
    description = """
        Materialize a tenant's calculated insights: each conf/tenants/<tenant>/insights/<name>.sql (Spark SQL over
        DMO names such as SalesOrder and the unified tables such as UnifiedIndividual, with '-- dimensions:' and
        '-- measures:' header lines) becomes the table <tenant>_cio.<name>, replaced atomically. All insights are
        checked against the data model first (unknown DMO or field, a measure that is not an aggregate, a dimension
        not grouped by: exit 2, nothing written). An insight whose inputs did not change since it was last
        materialized is skipped.""")
public class InsightsCommand extends JobCommand {
  @Option(names = "--insight", split = ",", paramLabel = "NAME",
      description = "Only these insights (default: every insight of the tenant).")
  List<String> only;

  private List<InsightDefinition> insights;

  public InsightsCommand() {
    super("calculated-insights", Trait.REFRESHES_MODEL_VIEWS);
  }

  @Override
  protected void validate(EnvConfig env, TenantConfig tenant) {
    java.nio.file.Path dir = tenant.dir().resolve("insights");
    List<InsightDefinition> all = InsightDefinition.loadAll(dir);
    insights = Selection.named(all, only, InsightDefinition::name, dir.toString(), "--insight", "insight");
  }

  @Override
  protected JobResult execute(JobContext ctx) {
    return new InsightsJob(ctx, insights).run();
  }

  public static void main(String[] args) {
    JobMain.exit(new InsightsCommand(), args);
  }
}
