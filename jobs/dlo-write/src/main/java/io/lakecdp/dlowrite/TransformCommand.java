package io.lakecdp.dlowrite;

import io.lakecdp.common.config.EnvConfig;
import io.lakecdp.common.config.Selection;
import io.lakecdp.common.config.TenantConfig;
import io.lakecdp.common.config.definition.TransformDefinition;
import io.lakecdp.common.job.JobCommand;
import io.lakecdp.common.job.JobContext;
import io.lakecdp.common.job.JobMain;
import io.lakecdp.common.job.JobResult;
import io.lakecdp.ingest.Transforms;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Command line of the batch data transform job. */
@Command(name = "transform", mixinStandardHelpOptions = true, sortOptions = false,
    description = """
        Run a tenant's data transforms: each conf/tenants/<tenant>/transforms/<name>.sql is Spark SQL over the
        tenant's DLOs (by stream name, e.g. FROM orders) and DMOs (e.g. FROM Individual), materialized as the DLO
        <tenant>_dlo.<output> that mappings.yaml can map onto DMOs like any other. Header lines declare the output:
          -- output: <dlo name>   (default: the file name)
          -- primaryKey: a, b     -- refresh: upsert | full_refresh   (upsert needs a primary key)
          -- streaming: true      -- stream: <name>   (also applied to each micro-batch by ingest-stream)
        Transforms run in file-name order; each may read the outputs of those before it. All are checked first
        (the tenant SQL sandbox, unknown tables or columns, the key): exit 2 naming the file, nothing written.
        A transform whose input snapshots and definition did not change since its last write is skipped.
        Exit codes: 0 ok, 1 runtime failure, 2 invalid configuration or input.""")
public class TransformCommand extends JobCommand {
  @Option(names = "--transform", split = ",", paramLabel = "NAME",
      description = "Only these transforms (default: all of the tenant's, in file-name order).")
  List<String> only;

  @Option(names = "--force", description = "Run even when inputs and definition are unchanged.")
  boolean force;

  private List<TransformDefinition> transforms;

  public TransformCommand() {
    super("transform", Trait.REFRESHES_MODEL_VIEWS);
  }

  @Override
  protected void validate(EnvConfig env, TenantConfig tenant) {
    transforms = Selection.named(tenant.transforms(), only, TransformDefinition::name,
        tenant.dir().resolve("transforms").toString(), "--transform", "transform");
  }

  @Override
  protected JobResult execute(JobContext ctx) {
    List<Transforms.Outcome> outcomes = new Transforms(ctx).run(transforms, force);
    long rows = outcomes.stream().mapToLong(Transforms.Outcome::rows).sum();
    boolean allSkipped = !outcomes.isEmpty() && outcomes.stream().allMatch(o -> o.status().startsWith("skipped"));
    Map<String, Object> details = Transforms.details(outcomes);
    return outcomes.isEmpty() ? JobResult.skipped("no transforms", details)
        : allSkipped ? JobResult.skipped(JobResult.INPUTS_UNCHANGED, details) : JobResult.of(0, rows, 0, details);
  }

  public static void main(String[] args) {
    JobMain.exit(new TransformCommand(), args);
  }
}
