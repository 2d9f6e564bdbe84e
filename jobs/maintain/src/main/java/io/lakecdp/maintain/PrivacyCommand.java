package io.lakecdp.maintain;

import io.lakecdp.common.config.ConfigException;
import io.lakecdp.common.config.EnvConfig;
import io.lakecdp.common.config.TenantConfig;
import io.lakecdp.common.job.JobCommand;
import io.lakecdp.common.job.JobContext;
import io.lakecdp.common.job.JobGroup;
import io.lakecdp.common.job.JobMain;
import io.lakecdp.common.job.JobResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code privacy forget} and {@code privacy export}: what they share is how a person is named. */
public abstract class PrivacyCommand extends JobCommand {
  protected PrivacyCommand(String jobName, Trait... traits) {
    super(jobName, traits);
  }

  @Option(names = "--unified-id", paramLabel = "ID", description = "The person's unified id.") String unifiedId;

  @Option(names = "--source", paramLabel = "DLO", description = "With --id: a source record's data stream (DLO).") String source;

  @Option(names = "--id", paramLabel = "ID", description = "With --source: the source record's id (its Individual Id).") String id;

  @Option(names = "--email", paramLabel = "ADDRESS", description = "An e-mail address of the person.") String email;

  PrivacyJob.Selector selector;

  @Override
  protected void validate(EnvConfig env, TenantConfig tenant) {
    int given = (unifiedId != null ? 1 : 0) + (source != null || id != null ? 1 : 0) + (email != null ? 1 : 0);
    if (given != 1) {
      throw new ConfigException("command line", "--unified-id|--source/--id|--email",
          "name the person exactly one way: --unified-id U, --source S --id X, or --email E");
    }
    if ((source == null) != (id == null)) {
      throw new ConfigException("command line", source == null ? "--source" : "--id", "--source and --id go together");
    }
    if (source != null && !tenant.streams().containsKey(source)) {
      throw new ConfigException("command line", "--source", "no data stream '" + source + "' in tenant "
          + tenant.name() + " (streams: " + String.join(", ", tenant.streams().keySet()) + ")");
    }
    selector = unifiedId != null ? new PrivacyJob.Selector("unified-id", null, unifiedId)
        : source != null ? new PrivacyJob.Selector("source", source, id) : new PrivacyJob.Selector("email", null, email);
  }

  /** {@code privacy forget}. */
  @Command(name = "forget", mixinStandardHelpOptions = true, sortOptions = false,
      description = """
          Forget a person: delete their rows from every table of the tenant (DLO rows of all their source records
          and related rows naming them as party, quarantined records holding their identifiers, unified tables,
          match explanations, insights, segment membership and history, activation delivered state), then make it
          physical (files rewritten, every older snapshot expired, unreferenced files removed: no Parquet file under
          the warehouse holds their values any more). Recorded in <tenant>_ops.privacy_requests without their
          values. The run id is the request id: a rerun of a stopped request finishes it. Exit 2 when nobody
          matches. Landing files and deliveries already made are outside the lake: remove them at the source.""")
  public static final class ForgetCommand extends PrivacyCommand {
    public ForgetCommand() {
      super("privacy-forget");
    }

    @Override
    protected JobResult execute(JobContext ctx) {
      return new PrivacyJob(ctx).forget(selector);
    }
  }

  /** {@code privacy export}. */
  @Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Write one JSON document of everything the tenant holds about a person: their rows in every",
          "table (source records by DLO, unified profile and contact points with provenance, insight values,",
          "segment membership and history, activation delivered state). Writes nothing to the lake."})
  public static final class ExportCommand extends PrivacyCommand {
    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The JSON file to write.")
    Path out;

    public ExportCommand() {
      super("privacy-export", Trait.READ_ONLY);
    }

    @Override
    protected JobResult execute(JobContext ctx) {
      try {
        if (out.toAbsolutePath().getParent() != null) {
          Files.createDirectories(out.toAbsolutePath().getParent());
        }
        try (Writer w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
          return new PrivacyJob(ctx).export(selector, w);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** {@code privacy}: the group of forget and export. */
  @Command(name = "privacy", mixinStandardHelpOptions = true, subcommands = {ForgetCommand.class,
      ExportCommand.class}, description = "Forget a person, or export what the tenant holds about them.")
  public static final class Group extends JobGroup {
  }

  public static void main(String[] args) {
    JobMain.exit(new Group(), args);
  }
}
