package io.lakecdp.identity;

import io.lakecdp.common.job.InvalidInputException;
import io.lakecdp.common.job.JobContext;
import io.lakecdp.common.job.JobResult;
import io.lakecdp.common.model.DataModel;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code identity-resolution explain-pair --tenant T A B}: the weight waterfall of two source records. */
@Command(name = "identity-resolution explain-pair", mixinStandardHelpOptions = true, sortOptions = false,
    description = """
        Explain why two source records of a tenant match or not: with learned weights, the prior and each
        comparison's level, values and weight with the running total, the match probability against the
        threshold; the match and forbid rules that hold. Any two records, also pairs that were never candidates.
        Record ids as in unified_link_individual: <data source object>:<id>. Writes nothing.""")
public final class ExplainPairCommand extends IdentityResolutionCommand {
  @Parameters(index = "0", paramLabel = "A", description = "First record id.")
  String recordA;

  @Parameters(index = "1", paramLabel = "B", description = "Second record id.")
  String recordB;

  public ExplainPairCommand() {
    super("identity-resolution-explain-pair");
  }

  @Override
  protected JobResult execute(JobContext ctx) {
    IdentityResolutionJob job = new IdentityResolutionJob(ctx, rules(), configSha256());
    MatchModel model = job.savedModel();
    if (rules().probabilistic() && model == null) {
      throw new InvalidInputException("no trained match model for tenant " + ctx.tenant().name()
          + ": run identity-resolution (or identity-resolution train) first");
    }
    ResolutionEngine engine = new ResolutionEngine(ctx.spark(), rules());
    Dataset<Row> normalized = engine.normalize(Profiles.build(new DataModel(ctx.spark(), ctx.tenant(), ctx.tables())),
        job.savedFrequencies(model));
    PairExplainer.Explanation e = PairExplainer.explain(normalized, rules(), engine.fields(), model, recordA, recordB);
    if (e == null) {
      throw new InvalidInputException("record " + recordA + " or " + recordB + " is not a source profile of tenant "
          + ctx.tenant().name());
    }
    e.lines().forEach(spec.commandLine().getOut()::println);
    spec.commandLine().getOut().flush();
    return JobResult.of(2, 0, Map.of("explanation", e.data()));
  }
}
