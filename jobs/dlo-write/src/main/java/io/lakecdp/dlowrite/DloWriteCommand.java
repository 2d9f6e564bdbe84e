package io.lakecdp.dlowrite;

import io.lakecdp.common.config.ConfigException;
import io.lakecdp.common.config.DataStream;
import io.lakecdp.common.config.EnvConfig;
import io.lakecdp.common.config.TenantConfig;
import io.lakecdp.common.job.JobCommand;
import io.lakecdp.common.job.JobContext;
import io.lakecdp.common.job.JobMain;
import io.lakecdp.common.job.JobResult;
import io.lakecdp.ingest.StreamResult;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Command line of the batch ingest job. */
@Command(name = "dlo-write", mixinStandardHelpOptions = true, sortOptions = false,
    description = """
        Ingest the new landing files of a tenant's data streams into Iceberg DLO tables (<tenant>_dlo.<stream>).
        Records that cannot be loaded go to <tenant>_dlo.quarantine with their reason; the rest load.
        Files already ingested are skipped, so rerunning after a failure loads exactly what is missing.
        Exit codes: 0 ok, 1 runtime failure, 2 invalid configuration or input.""")
public class DloWriteCommand extends JobCommand {
  @Option(names = "--stream", split = ",", paramLabel = "NAME",
      description = "Streams to ingest (repeatable or comma-separated). Default: all streams of the tenant.")
  List<String> streamNames = new ArrayList<>();

  private List<DataStream> selected;

  public DloWriteCommand() {
    super("dlo-write", Trait.REFRESHES_MODEL_VIEWS);
  }

  @Override
  protected void validate(EnvConfig env, TenantConfig tenant) {
    selected = new ArrayList<>();
    if (streamNames.isEmpty()) {
      selected.addAll(tenant.streams().values());
    } else {
      for (String name : streamNames) {
        if (!tenant.streams().containsKey(name)) {
          throw new ConfigException("--stream", name, "unknown stream '" + name + "' (streams of tenant "
              + tenant.name() + ": " + String.join(", ", tenant.streams().keySet()) + ")");
        }
        selected.add(tenant.streams().get(name));
      }
    }
  }

  @Override
  protected JobResult execute(JobContext ctx) {
    DloWriteResult result = new DloWriteJob(ctx, selected).run();
    if (!result.failed().isEmpty()) {
      StreamResult first = result.failed().get(0);
      String message = result.failed().size() + " of " + result.streams().size() + " streams failed; first: "
          + first.stream() + ": " + first.error();
      if ("invalid_input".equals(first.status())) {
        throw new io.lakecdp.common.job.InvalidInputException(message, result);
      }
      throw new io.lakecdp.common.job.JobFailedException(message, result);
    }
    return result;
  }

  public static void main(String[] args) {
    JobMain.exit(new DloWriteCommand(), args);
  }
}
