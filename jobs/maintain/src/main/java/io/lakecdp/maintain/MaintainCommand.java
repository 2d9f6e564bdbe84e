package io.lakecdp.maintain;

import io.lakecdp.common.config.ConfigException;
import io.lakecdp.common.config.EnvConfig;
import io.lakecdp.common.config.TenantConfig;
import io.lakecdp.common.job.JobCommand;
import io.lakecdp.common.job.JobContext;
import io.lakecdp.common.job.JobMain;
import io.lakecdp.common.job.JobResult;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Command line of the maintenance job. */
@Command(name = "maintain", mixinStandardHelpOptions = true, sortOptions = false,
    description = """
        Maintain every Iceberg table of a tenant: fold the ingest ledger (landing files and batch ids that make
        reruns exactly-once) out of snapshot summaries into <tenant>_ops.ingest_ledger, compact small data files and
        apply delete files (rewrite_data_files, rewrite_position_delete_files), expire snapshots, remove orphan files
        and rewrite manifests. The summary gives each table's files and bytes before and after. Rows never change,
        and compaction commits do not count as new input for the stages that skip unchanged inputs.
        Do not give --older-than below the time a writer of the tenant can take: orphan removal deletes files
        that no snapshot references yet.""")
public class MaintainCommand extends JobCommand {
  @Option(names = "--older-than", paramLabel = "AGE", defaultValue = "7d",
      description = "Expire snapshots and remove unreferenced files older than this: 7d, 12h, 30m, 0s (default: 7d).")
  String olderThanText;

  @Option(names = "--retain-last", paramLabel = "N", defaultValue = "5",
      description = "Keep at least this many snapshots of every table, however old (default: 5; at least 1).")
  int retainLast;

  private MaintainJob.Retention retention;

  public MaintainCommand() {
    super("maintain");
  }

  @Override
  protected void validate(EnvConfig env, TenantConfig tenant) {
    Duration olderThan = parseAge(olderThanText);
    if (retainLast < 1) {
      throw new ConfigException("--retain-last", "--retain-last", "must be at least 1, not " + retainLast);
    }
    retention = new MaintainJob.Retention(olderThan, retainLast);
  }

  static Duration parseAge(String text) {
    String t = text.strip().toLowerCase(Locale.ROOT);
    if (!t.matches("\\d+[dhms]")) {
      throw new ConfigException("--older-than", "--older-than", "cannot read '" + text + "' as an age such as 7d, "
          + "12h, 30m or 0s");
    }
    long n = Long.parseLong(t.substring(0, t.length() - 1));
    return switch (t.charAt(t.length() - 1)) {
      case 'd' -> Duration.ofDays(n);
      case 'h' -> Duration.ofHours(n);
      case 'm' -> Duration.ofMinutes(n);
      default -> Duration.ofSeconds(n);
    };
  }

  @Override
  protected JobResult execute(JobContext ctx) {
    return new MaintainJob(ctx, retention).run();
  }

  public static void main(String[] args) {
    JobMain.exit(new MaintainCommand(), args);
  }
}
