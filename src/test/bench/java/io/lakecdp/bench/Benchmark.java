package io.lakecdp.bench;

import io.lakecdp.common.config.EnvConfig;
import io.lakecdp.common.job.Json;
import io.lakecdp.common.spark.SparkSessions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What the stage benchmarks share: a work folder with a local environment (a Hadoop catalog under it), one Spark
 * session, a log on standard error and a report on standard output: the benchmark's Markdown table, then one JSON
 * line per comparison ({@code {"bench", "comparison", "lakecdp_s", "baseline_s", "ratio", "rows"}}) for scripts.
 */
public abstract class Benchmark implements Callable<Integer> {
  @Option(names = "--work", paramLabel = "DIR",
      description = "Work folder (data, warehouse, conf); default: bench-work/<stage>.")
  private Path workOption;

  @Option(names = "--quick", description = "A run of a few minutes at small sizes (the size options are ignored); the "
      + "figures in docs/BENCHMARKS.md come from full runs.")
  private boolean quick;

  @Spec
  private CommandSpec spec;

  private final String stage;
  private final List<String> comparisons = new ArrayList<>();
  /** The work folder, absolute. */
  protected Path work;
  /** The configuration folder in it ({@code <work>/conf}). */
  protected Path conf;
  protected SparkSession spark;
  /** Lines of the Markdown table, printed after the run. */
  protected final List<String> report = new ArrayList<>();

  /** The stage measured (activation, segmentation, ...) is the command's name after {@code bench-}. */
  protected Benchmark() {
    this.stage = getClass().getAnnotation(Command.class).name().replaceFirst("^bench-", "");
  }

  /** Runs the comparisons; the report is printed after. */
  protected abstract void run() throws Exception;

  /** The benchmark's sizes for {@code --quick}: option name to value, of the option's own type. */
  protected abstract Map<String, Object> quickSizes();

  @Override
  public final Integer call() throws Exception {
    work = (workOption != null ? workOption : Path.of("bench-work", stage)).toAbsolutePath();
    conf = work.resolve("conf");
    if (quick) {
      quickSizes().forEach((name, value) -> spec.findOption(name).setValue(value));
      log("--quick: small sizes, a few minutes");
    }
    run();
    report.forEach(System.out::println);
    comparisons.forEach(System.out::println);
    return 0;
  }

  /**
   * Writes {@code <conf>/local.yaml}: catalog {@code lake} (Hadoop) under {@code <work>/warehouse}, landing under
   * {@code <work>/landing}, and these Spark settings (name, value, name, value, ...).
   */
  protected void writeLocalConf(String... sparkSettings) throws Exception {
    StringBuilder yaml = new StringBuilder("catalog:\n  name: lake\n  type: hadoop\n  warehouse: ")
        .append(work.resolve("warehouse")).append("\nlandingRoot: ").append(work.resolve("landing")).append('\n');
    if (sparkSettings.length > 0) {
      yaml.append("spark:\n");
      for (int i = 0; i + 1 < sparkSettings.length; i += 2) {
        yaml.append("  ").append(sparkSettings[i]).append(": \"").append(sparkSettings[i + 1]).append("\"\n");
      }
    }
    Files.createDirectories(conf.resolve("tenants"));
    Files.writeString(conf.resolve("local.yaml"), yaml.toString());
  }

  /** Starts the benchmark's Spark session on {@code <conf>/local.yaml}. */
  protected void startSession() {
    spark = SparkSessions.create(EnvConfig.load(conf, "local"), "lakecdp bench-" + stage);
  }

  /** Records one comparison for the JSON lines (a baseline of NaN: none). */
  protected void compared(String what, double lakecdpSeconds, double baselineSeconds, long rows) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("bench", stage);
    line.put("comparison", what);
    line.put("lakecdp_s", round(lakecdpSeconds));
    line.put("baseline_s", Double.isNaN(baselineSeconds) ? null : round(baselineSeconds));
    line.put("ratio", Double.isNaN(baselineSeconds) || baselineSeconds == 0 ? null
        : round(lakecdpSeconds / baselineSeconds));
    line.put("rows", rows);
    comparisons.add(Json.write(line));
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  /** A line on standard error, after the benchmark's name. */
  protected void log(String format, Object... args) {
    System.err.printf("[bench-" + stage + "] " + format + "%n", args);
  }

  /** The median of timings of repeated rounds. */
  protected static double median(double[] values) {
    double[] sorted = values.clone();
    java.util.Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
}
