package io.lakecdp.identity;

import io.lakecdp.common.config.ConfigException;
import io.lakecdp.common.config.EnvConfig;
import io.lakecdp.common.config.TenantConfig;
import io.lakecdp.common.job.JobCommand;
import io.lakecdp.common.job.JobContext;
import io.lakecdp.common.job.JobResult;
import io.lakecdp.common.lake.InputFingerprint;
import io.lakecdp.common.model.StandardModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Command line of the identity resolution tenant run. */
@Command(name = "identity-resolution", mixinStandardHelpOptions = true, sortOptions = false,
    description = """
        Resolve a tenant's source Individuals (with all their contact points) into unified profiles, as
        conf/tenants/<tenant>/identity-resolution.yaml says: match rules, and/or comparisons whose weights are
        learned from the tenant's data (saved to <warehouse>/_models/<tenant>/identity-model.json and reused).
        Writes <tenant>_unified.unified_individual, unified_link_individual, unified_contact_point_email,
        unified_contact_point_phone, unified_contact_point_address and match_explanations.
        Unified ids stay stable across runs; a run whose inputs, configuration and model did not change since the
        last one writes nothing, and a run after a change resolves only what it touches (--full: everything).
        Also: identity-resolution train --help (learn the weights again), identity-resolution explain-pair --help
        (why two records match or not), identity-resolution evaluate --help (measure a configuration on a
        labelled CSV).""")
public class IdentityResolutionCommand extends JobCommand {
  private RuleSet rules;
  private String configSha256;

  @Option(names = "--retrain", description = "Learn the match weights again even when a saved model fits the configuration.")
  boolean retrain;

  @Option(names = "--full", description = """
      Resolve every profile again. By default a run after an earlier one searches only the candidate blocks whose
      profiles changed and rewrites only the clusters they touch (the same result as a complete run). Runs even when
      the inputs did not change.""")
  boolean full;

  public IdentityResolutionCommand() {
    this("identity-resolution");
  }

  /** For the commands that share its options (train, explain-pair, the benchmark): they refresh the views too. */
  protected IdentityResolutionCommand(String jobName) {
    super(jobName, Trait.REFRESHES_MODEL_VIEWS);
  }

  @Override
  protected void validate(EnvConfig env, TenantConfig tenant) {
    Path file = tenant.dir().resolve("identity-resolution.yaml");
    rules = RuleSet.load(file);
    try {
      configSha256 = InputFingerprint.sha256(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (!rules.probabilistic()) {
      // Rules-only configurations name the profile fields the tenant's model can have: the standard ones, custom
      // fields of its Individual DMO and, when it maps party identifiers, their types. Comparisons may name any
      // field: one the profiles lack is missing everywhere, with a warning.
      Set<String> known = Profiles.fieldsOf(tenant);
      boolean identifiers = tenant.mappings().stream()
          .anyMatch(m -> m.dmo().equals(StandardModel.PARTY_IDENTIFICATION));
      for (String field : rules.fields().keySet()) {
        for (String column : RuleSet.columnsOf(field)) {
          if (!known.contains(column) && !identifiers) {
            throw new ConfigException(file.toString(), "rules", "unknown profile field '" + column
                + "' (profile fields: " + String.join(", ", known) + "; the tenant maps nothing onto "
                + "PartyIdentification, whose identification types would be fields too)");
          }
        }
      }
    }
  }

  /** The validated rules. */
  protected RuleSet rules() {
    return rules;
  }

  /** SHA-256 of the configuration file. */
  protected String configSha256() {
    return configSha256;
  }

  @Override
  protected JobResult execute(JobContext ctx) {
    return new IdentityResolutionJob(ctx, rules, configSha256).run(full, retrain, full);
  }
}
