package io.lakecdp.identity;

import io.lakecdp.common.config.ConfigException;
import io.lakecdp.common.config.EnvConfig;
import io.lakecdp.common.config.TenantConfig;
import io.lakecdp.common.job.JobCommand;
import io.lakecdp.common.job.JobContext;
import io.lakecdp.common.job.JobResult;
import java.nio.file.Path;
import picocli.CommandLine.Command;

/** Command line of the identity resolution tenant run. */
@Command(name = "identity-resolution", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Resolve a tenant's source Individuals (with their contact points) into unified profiles, using the rules",
        "of conf/tenants/<tenant>/identity-resolution.yaml. Writes <tenant>_unified.unified_individual,",
        "unified_link_individual, unified_contact_point_email, unified_contact_point_phone and match_explanations.",
        "Unified ids stay stable across runs; a run whose inputs did not change since the last one writes nothing.",
        "Also: identity-resolution evaluate --help (measure rules on a labelled CSV)."})
public class IdentityResolutionCommand extends JobCommand {
  private RuleSet rules;

  @Override
  protected String jobName() {
    return "identity-resolution";
  }

  @Override
  protected void validate(EnvConfig env, TenantConfig tenant) {
    Path file = tenant.dir().resolve("identity-resolution.yaml");
    rules = RuleSet.load(file);
    for (String field : rules.fields().keySet()) {
      for (String column : RuleSet.columnsOf(field)) {
        if (!Profiles.COLUMNS.contains(column)) {
          throw new ConfigException(file.toString(), "rules", "unknown profile field '" + column
              + "' (profile fields: " + String.join(", ", Profiles.COLUMNS) + ")");
        }
      }
    }
  }

  /** The validated rules. */
  protected RuleSet rules() {
    return rules;
  }

  @Override
  protected JobResult execute(JobContext ctx) {
    return new IdentityResolutionJob(ctx, rules).run();
  }
}
