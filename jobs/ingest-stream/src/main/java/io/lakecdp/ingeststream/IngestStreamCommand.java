package io.lakecdp.ingeststream;

import io.lakecdp.common.config.ConfigException;
import io.lakecdp.common.config.DataStream;
import io.lakecdp.common.config.EnvConfig;
import io.lakecdp.common.config.SourceFormat;
import io.lakecdp.common.config.TenantConfig;
import io.lakecdp.common.job.JobCommand;
import io.lakecdp.common.job.JobContext;
import io.lakecdp.common.job.JobMain;
import io.lakecdp.common.job.JobResult;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.streaming.Trigger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Command line of the streaming ingest job. */
@Command(name = "ingest-stream", mixinStandardHelpOptions = true, sortOptions = false,
    description = """
        Streaming ingest of a tenant's data streams into their Iceberg DLO tables: a landing folder (JSON lines or
        CSV, local, HDFS or s3a://) or a Kafka topic (JSON values; key, topic, partition, offset and timestamp kept as
        _kafka_* columns). Each micro-batch is validated like batch ingest (bad records to <tenant>_dlo.quarantine with
        their reason), upserted newest-wins, and committed once: a batch retried after a crash is recognized by its
        query and batch id in the table's history. Checkpoints: <warehouse>/_checkpoints/<tenant>/<stream>.
        --trigger available-now (default) processes what is there and stops (nothing new: no snapshot written);
        --trigger processing-time=30s runs until SIGTERM (or --stop-after), finishing the current micro-batch.
        Exit codes: 0 ok, 1 runtime failure, 2 invalid configuration or input (e.g. an incompatible schema change).""")
public class IngestStreamCommand extends JobCommand {
  private static final Pattern PROCESSING_TIME = Pattern.compile("processing-time=(\\d+)(ms|s|m)");
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

  @Option(names = "--stream", split = ",", paramLabel = "NAME",
      description = "Streams to run (repeatable or comma-separated). Default: every stream of the tenant.")
  List<String> streamNames = new ArrayList<>();

  @Option(names = "--trigger", defaultValue = "available-now", paramLabel = "TRIGGER",
      description = "available-now (default) or processing-time=<n>ms|s|m, e.g. processing-time=30s.")
  String trigger;

  @Option(names = "--stop-after", paramLabel = "DURATION",
      description = "With a processing-time trigger: stop gracefully after this long (e.g. 50m); default: until SIGTERM.")
  String stopAfter;

  @Option(names = "--checkpoint-root", paramLabel = "URI",
      description = "Root of the streams' checkpoints (default: <warehouse>/_checkpoints); a stream's "
          + "streaming.checkpoint overrides it.")
  String checkpointRoot;

  private List<DataStream> selected;
  private Trigger parsedTrigger;
  private boolean continuous;
  private long stopAfterMs;

  public IngestStreamCommand() {
    super("ingest-stream", Trait.REFRESHES_MODEL_VIEWS);
  }

  @Override
  protected void validate(EnvConfig env, TenantConfig tenant) {
    if (trigger.equals("available-now")) {
      parsedTrigger = Trigger.AvailableNow();
    } else {
      Matcher m = PROCESSING_TIME.matcher(trigger);
      if (!m.matches()) {
        throw new ConfigException("--trigger", trigger, "expected available-now or processing-time=<n>ms|s|m");
      }
      parsedTrigger = Trigger.ProcessingTime(millis(m.group(1), m.group(2)));
      continuous = true;
    }
    if (stopAfter != null) {
      Matcher m = DURATION.matcher(stopAfter);
      if (!m.matches() || !continuous) {
        throw new ConfigException("--stop-after", stopAfter, continuous ? "expected <n>ms|s|m|h, e.g. 50m"
            : "only applies to a processing-time trigger (available-now stops by itself)");
      }
      stopAfterMs = millis(m.group(1), m.group(2));
    }
    selected = new ArrayList<>();
    List<DataStream> candidates = new ArrayList<>();
    if (streamNames.isEmpty()) {
      candidates.addAll(tenant.streams().values());
    } else {
      for (String name : streamNames) {
        if (!tenant.streams().containsKey(name)) {
          throw new ConfigException("--stream", name, "unknown stream '" + name + "' (streams of tenant "
              + tenant.name() + ": " + String.join(", ", tenant.streams().keySet()) + ")");
        }
        candidates.add(tenant.streams().get(name));
      }
    }
    for (DataStream s : candidates) {
      if (s.deletesPath() != null && !streamNames.isEmpty()) {
        org.slf4j.LoggerFactory.getLogger(IngestStreamCommand.class).warn(
            "Stream {}: delete files in {} are applied by batch ingest (dlo-write), not by the streaming job", s.name(),
            s.deletesPath());
      }
      if (s.format() == SourceFormat.PARQUET && !s.isKafka() && !streamNames.isEmpty()) {
        throw new ConfigException(tenant.dir().resolve("streams.yaml").toString(), "streams." + s.name() + ".format",
            "streaming ingest reads JSON lines and CSV landing folders; Parquet files are ingested by dlo-write");
      }
      if (s.format() != SourceFormat.PARQUET || s.isKafka()) {
        selected.add(s);
      }
    }
    if (selected.isEmpty()) {
      throw new ConfigException(tenant.dir().resolve("streams.yaml").toString(), "streams",
          "no stream to run (streaming ingest reads JSON/CSV landing folders and Kafka topics)");
    }
  }

  private static long millis(String n, String unit) {
    long v = Long.parseLong(n);
    return switch (unit) {
      case "ms" -> v;
      case "s" -> v * 1000;
      case "m" -> v * 60_000;
      default -> v * 3_600_000;
    };
  }

  @Override
  protected JobResult execute(JobContext ctx) {
    return new StreamingIngestJob(ctx, selected, parsedTrigger, continuous, checkpointRoot, stopAfterMs).run();
  }

  public static void main(String[] args) {
    JobMain.exit(new IngestStreamCommand(), args);
  }
}
