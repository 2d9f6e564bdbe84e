package io.lakecdp.dlowrite.bench;

import io.lakecdp.bench.Benchmark;
import io.lakecdp.bench.Stopwatch;
import io.lakecdp.common.job.JobMain;
import io.lakecdp.common.lake.Lake;
import io.lakecdp.dlowrite.DloWriteCommand;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Benchmark of batch ingest, each figure against a baseline measured in the same run and JVM:
 * (1) ingest of N rows by dlo-write vs a plain {@code spark.read().csv(...).writeTo(...).append()};
 * (2) an upsert of a small share of changed rows into a large DLO by dlo-write (copy-on-write and
 * merge-on-read) vs rewriting the whole table with the changes applied.
 */
@Command(name = "bench-dlo-write", mixinStandardHelpOptions = true,
    description = "Benchmark dlo-write against plain Spark baselines; prints a Markdown table.")
public final class DloWriteBenchmark extends Benchmark {
  private static final String HEADER = "order_id,customer_id,order_ts,status,total_amount,qty,channel,updated_at";
  private static final StructType CSV_SCHEMA = new StructType()
      .add("order_id", DataTypes.StringType).add("customer_id", DataTypes.StringType)
      .add("order_ts", DataTypes.TimestampType).add("status", DataTypes.StringType)
      .add("total_amount", DataTypes.createDecimalType(12, 2)).add("qty", DataTypes.IntegerType)
      .add("channel", DataTypes.StringType).add("updated_at", DataTypes.TimestampType);

  @Option(names = "--rows", defaultValue = "1000000", description = "Rows of the ingest benchmark.") int rows;

  @Option(names = "--table-rows", defaultValue = "5000000", description = "Rows of the DLO the upsert goes into.") int tableRows;

  @Option(names = "--change-fraction", defaultValue = "0.01", description = "Share of the table's rows changed.") double changeFraction;

  @Option(names = "--files", defaultValue = "4", description = "Landing files per data set.") int files;

  @Option(names = "--repeat", defaultValue = "3",
      description = "Times the ingest comparison runs, alternating the two sides; medians are compared.") int repeat;

  @Override
  protected Map<String, Object> quickSizes() {
    return Map.of("--rows", 50_000, "--table-rows", 200_000);
  }

  @Override
  protected void run() throws Exception {
    deleteTree(work);
    Files.createDirectories(conf.resolve("tenants"));
    writeLocalConf();
    startSession();
    log("Spark %s, master %s, %d cores available", spark.version(), spark.sparkContext().master(),
        Runtime.getRuntime().availableProcessors());
    new Lake(spark).ensureNamespace("lake.baseline");

    tenant(conf, "warmup", "upsert", "copy-on-write");
    writeCsv(work.resolve("landing/warmup/orders"), 20_000, 1);
    ingest(conf, "warmup");

    // 1. ingest of N rows, each side timed --repeat times, alternating which goes first (fresh tables each time);
    // medians compared
    Path ingestFiles = work.resolve("landing/ingest/orders");
    writeCsv(ingestFiles, rows, files);
    double[] baselines = new double[repeat];
    double[] ours = new double[repeat];
    long loaded = 0;
    for (int r = 0; r < repeat; r++) {
      String tenant = r == 0 ? "ingest" : "ingest" + r;
      if (r > 0) {
        Files.createDirectories(work.resolve("landing/" + tenant));
        Files.createSymbolicLink(work.resolve("landing/" + tenant + "/orders"), ingestFiles);
      }
      tenant(conf, tenant, "upsert", "merge-on-read");
      String plain = "lake.baseline.plain_append" + (r == 0 ? "" : r);
      spark.sql("CREATE TABLE " + plain + " (" + CSV_SCHEMA.toDDL() + ") USING iceberg");
      double[] t = Stopwatch.inTurn(r, () -> ingest(conf, tenant), () -> {
        try {
          spark.read().option("header", "true").option("timestampFormat", "yyyy-MM-dd HH:mm:ss")
              .schema(CSV_SCHEMA).csv(ingestFiles.toString()).writeTo(plain).append();
        } catch (org.apache.spark.sql.catalyst.analysis.NoSuchTableException e) {
          throw new IllegalStateException(e);
        }
      });
      ours[r] = t[0];
      baselines[r] = t[1];
      loaded = spark.table("lake." + tenant + "_dlo.orders").count();
      log("ingest round %d: lakecdp %.2f s, plain append %.2f s", r + 1, ours[r], baselines[r]);
    }
    row("Ingest " + fmt(rows) + " CSV rows (" + files + " files) into an empty DLO" + (repeat > 1 ? " (median of " + repeat + ")" : ""),
        median(ours), "plain `spark.read.csv(...).writeTo(...).append()`", median(baselines), loaded,
        loaded == rows ? "" : "loaded " + loaded);

    // 2. upsert of a share of changed rows into a large DLO, CoW vs MoR, vs a full rewrite
    int changed = (int) Math.round(tableRows * changeFraction);
    double baseline = 0;
    for (String mode : List.of("copy-on-write", "merge-on-read")) {
      String tenant = mode.equals("copy-on-write") ? "upsert_cow" : "upsert_mor";
      tenant(conf, tenant, "upsert", mode);
      Path base = work.resolve("landing/" + tenant + "/orders");
      writeCsv(base, tableRows, files);
      double initial = Stopwatch.seconds(() -> ingest(conf, tenant));
      log("%s: initial load of %s rows took %.1f s", tenant, fmt(tableRows), initial);
      writeCsvNamed(base.resolve("changes.csv"), changed, tableRows / changed, 1);
      double upsert = Stopwatch.seconds(() -> ingest(conf, tenant));
      long count = spark.table("lake." + tenant + "_dlo.orders").count();
      String check = count == tableRows ? "" : "row count " + count;
      if (mode.equals("copy-on-write")) {
        double rewrite = Stopwatch.seconds(() -> fullRewrite("lake." + tenant + "_dlo.orders", base.resolve("changes.csv")));
        row("Upsert " + fmt(changed) + " changed rows (" + pct() + ") into a " + fmt(tableRows) + "-row DLO, " + mode, upsert,
            "full rewrite of the table with the changes applied", rewrite, changed, check);
        baseline = rewrite;
      } else {
        row("Upsert " + fmt(changed) + " changed rows (" + pct() + ") into a " + fmt(tableRows) + "-row DLO, " + mode, upsert,
            "the same full rewrite (measured above)", baseline, changed, check);
      }
    }
    System.out.println();
    System.out.println("| What | lakecdp (s) | Baseline | Baseline (s) | Ratio | Note |");
    System.out.println("|---|---:|---|---:|---:|---|");
  }

  private String pct() {
    return String.format(Locale.ROOT, "%.1f%%", changeFraction * 100);
  }

  private void ingest(Path conf, String tenant) {
    StringWriter out = new StringWriter();
    int code = JobMain.run(new DloWriteCommand(), new PrintWriter(out), new PrintWriter(System.err, true),
        "--tenant", tenant, "--conf", conf.toString());
    if (code != 0) {
      throw new IllegalStateException("dlo-write failed for " + tenant + ": " + out);
    }
  }

  /** The baseline for an upsert without MERGE: read everything, apply the changes, overwrite the table. */
  private void fullRewrite(String table, Path changes) {
    Dataset<Row> current = spark.table(table).drop("_source_file", "_ingested_at", "_run_id");
    Dataset<Row> incoming = spark.read().option("header", "true").option("timestampFormat", "yyyy-MM-dd HH:mm:ss")
        .schema(CSV_SCHEMA).csv(changes.toString());
    Dataset<Row> merged = current.unionByName(incoming)
        .withColumn("rn", functions.row_number().over(Window.partitionBy("order_id").orderBy(functions.col("updated_at").desc())))
        .filter("rn = 1").drop("rn");
    merged.writeTo("lake.baseline.rewritten").createOrReplace();
  }

  private void row(String what, double ours, String baselineName, double baseline, long rows, String note) {
    compared(what, ours, baseline, rows);
    report.add(String.format(Locale.ROOT, "| %s | %.1f | %s | %.1f | %.2f× | %s |", what, ours, baselineName, baseline,
        ours / baseline, note));
    log("%s: %.1f s vs %.1f s (%s)", what, ours, baseline, baselineName);
  }

  private static void tenant(Path conf, String name, String refresh, String mergeMode) throws IOException {
    Path dir = conf.resolve("tenants").resolve(name);
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("streams.yaml"), """
        streams:
          orders:
            format: csv
            path: orders
            refresh: %s
            mergeMode: %s
            primaryKey: [order_id]
            lastModified: updated_at
            fields:
              order_id: string
              customer_id: string
              order_ts: {type: timestamp, format: "yyyy-MM-dd HH:mm:ss"}
              status: string
              total_amount: decimal(12,2)
              qty: int
              channel: string
              updated_at: {type: timestamp, format: "yyyy-MM-dd HH:mm:ss"}
        """.formatted(refresh, mergeMode));
  }

  private static void writeCsv(Path dir, int n, int fileCount) throws IOException {
    Files.createDirectories(dir);
    int per = (n + fileCount - 1) / fileCount;
    for (int f = 0; f < fileCount; f++) {
      int from = f * per;
      int to = Math.min(n, from + per);
      try (BufferedWriter w = Files.newBufferedWriter(dir.resolve(String.format("part_%03d.csv", f)), StandardCharsets.UTF_8)) {
        w.write(HEADER);
        w.newLine();
        for (int i = from; i < to; i++) {
          w.write(line(i, 0));
          w.newLine();
        }
      }
    }
  }

  /** {@code n} changed versions (newer {@code updated_at}) of every {@code stride}-th key. */
  private static void writeCsvNamed(Path file, int n, int stride, int version) throws IOException {
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      w.write(HEADER);
      w.newLine();
      for (int i = 0; i < n; i++) {
        w.write(line(i * stride, version));
        w.newLine();
      }
    }
  }

  private static String line(int i, int version) {
    SplittableRandom r = new SplittableRandom(i * 31L + version);
    int day = 1 + r.nextInt(28);
    int month = 1 + r.nextInt(12);
    return String.format(Locale.ROOT, "O%09d,C%07d,2025-%02d-%02d %02d:%02d:00,%s,%d.%02d,%d,%s,%d-%02d-%02d 01:00:00",
        i, r.nextInt(2_000_000), month, day, r.nextInt(24), r.nextInt(60), version == 0 ? "completed" : "returned",
        r.nextInt(1, 900), r.nextInt(100), r.nextInt(1, 5), r.nextBoolean() ? "online" : "store", 2025 + version, month, day);
  }

  private static String fmt(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (var s = Files.walk(p)) {
      for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(x);
      }
    }
  }

  public static void main(String[] args) {
    JobMain.exit(new DloWriteBenchmark(), args);
  }
}
