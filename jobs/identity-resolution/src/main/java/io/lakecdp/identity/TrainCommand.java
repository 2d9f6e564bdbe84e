package io.lakecdp.identity;

import io.lakecdp.common.config.ConfigException;
import io.lakecdp.common.config.EnvConfig;
import io.lakecdp.common.config.TenantConfig;
import io.lakecdp.common.job.JobContext;
import io.lakecdp.common.job.JobResult;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code identity-resolution train}: learn a tenant's match weights from its current profiles and save them. */
@Command(name = "identity-resolution train", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Learn the match weights of a tenant's identity-resolution.yaml (comparisons) from its current",
        "profiles, without labels, and save them to <warehouse>/_models/<tenant>/identity-model.json; the next",
        "identity-resolution run uses them (and, since the model changed, resolves again)."})
public final class TrainCommand extends IdentityResolutionCommand {
  public TrainCommand() {
    super("identity-resolution-train");
  }

  @Override
  protected void validate(EnvConfig env, TenantConfig tenant) {
    super.validate(env, tenant);
    if (!rules().probabilistic()) {
      throw new ConfigException(tenant.dir().resolve("identity-resolution.yaml").toString(), "comparisons",
          "nothing to train: the configuration has rules only (add comparisons to learn weights)");
    }
  }

  @Override
  protected JobResult execute(JobContext ctx) {
    MatchModel model = new IdentityResolutionJob(ctx, rules(), configSha256()).train();
    long records = ((Number) model.training().getOrDefault("records", 0L)).longValue();
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("match_model", model.toMap());
    return JobResult.of(records, 0, details);
  }
}
