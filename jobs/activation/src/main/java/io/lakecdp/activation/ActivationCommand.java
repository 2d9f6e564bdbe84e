package io.lakecdp.activation;

import io.lakecdp.common.config.ConfigException;
import io.lakecdp.common.config.EnvConfig;
import io.lakecdp.common.config.Selection;
import io.lakecdp.common.config.TenantConfig;
import io.lakecdp.common.config.definition.SegmentDefinition;
import io.lakecdp.common.job.JobCommand;
import io.lakecdp.common.job.JobContext;
import io.lakecdp.common.job.JobMain;
import io.lakecdp.common.job.JobResult;
import io.lakecdp.common.model.UnifiedModel;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Command line of the activation job. */
@Command(name = "activation", mixinStandardHelpOptions = true, sortOptions = false,
    description = """
        Deliver segments: each conf/tenants/<tenant>/activations/<id>.yaml names a published segment, a target
        (file://, hdfs:// or s3a://; credentials from the Hadoop/AWS provider chain), a format (csv, ndjson, parquet),
        the attributes and contact points to send, consent rules and full or incremental refresh. Members are
        written to a staging folder, copied with Hadoop DistCp to <target>/<run-id>/, and a _manifest.json (files,
        rows, SHA-256 checksums) is written last: a reader that sees it knows the export is complete. Holdout
        members are never sent. Each run is recorded in <tenant>_act.activation_runs; rerunning a run id that
        delivered does nothing, and an activation whose segment membership, attribute sources and definition are
        those of its last delivery is skipped (--force sends anyway). Exit 2 on a bad definition before any work;
        exit 1 if a delivery fails.""")
public class ActivationCommand extends JobCommand {
  @Option(names = "--activation", split = ",", paramLabel = "ID",
      description = "Only these activations (default: every activation of the tenant).")
  List<String> only;

  @Option(names = "--staging", paramLabel = "URI",
      description = "Where exports are staged before the copy (default: <warehouse>/_staging/activation).")
  String staging;

  @Option(names = "--force", description = "Deliver even when the segment membership, the attribute sources and the "
      + "definition are those of the last delivery (default: such an activation is skipped).")
  boolean force;

  private List<ActivationDefinition> activations;

  public ActivationCommand() {
    super("activation");
  }

  @Override
  protected void validate(EnvConfig env, TenantConfig tenant) {
    List<ActivationDefinition> all = ActivationDefinition.loadAll(tenant.dir(), tenant.dmos(), System::getenv);
    Path dir = tenant.dir().resolve("activations");
    for (ActivationDefinition a : all) {
      SegmentDefinition segment = SegmentDefinition.load(tenant.dir().resolve("segments").resolve(a.segment() + ".yaml"));
      if (!segment.segmentOn().equals(UnifiedModel.INDIVIDUAL)) {
        throw new ConfigException(a.file().toString(), "segment", "segment '" + a.segment() + "' is on "
            + segment.segmentOn() + "; activations send unified individuals");
      }
    }
    all = Selection.named(all, only, ActivationDefinition::id, dir.toString(), "--activation", "activation");
    if (all.isEmpty()) {
      throw new ConfigException(dir.toString(), "", "no activations defined (add <id>.yaml files)");
    }
    activations = all;
  }

  @Override
  protected JobResult execute(JobContext ctx) {
    return new ActivationJob(ctx, activations, staging, force).run();
  }

  public static void main(String[] args) {
    JobMain.exit(new ActivationCommand(), args);
  }
}
