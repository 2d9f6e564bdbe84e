package io.lakecdp.activation;

import com.fasterxml.jackson.databind.JsonNode;
import io.lakecdp.bench.Benchmark;
import io.lakecdp.bench.Stopwatch;
import io.lakecdp.common.job.JobMain;
import io.lakecdp.common.job.Json;
import io.lakecdp.testsupport.S3MockServer;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Benchmark of activation on generated data: the whole activation of a segment of N members with 10 attributes
 * and an e-mail (select, write, checksum, DistCp, manifest, bookkeeping) vs the plain join + write of the same
 * rows a user would otherwise write; and the DistCp step vs a plain FileSystem copy of the same files, for the
 * export's files and for 1,000 small files. Row counts of both sides must agree, or the benchmark fails.
 */
@Command(name = "bench-activation", mixinStandardHelpOptions = true,
    description = "Benchmark activation against a plain join + write, and DistCp against a plain copy; prints Markdown.")
public final class ActivationBenchmark extends Benchmark {
  private static final String TENANT = "benchact";

  @Option(names = "--members", defaultValue = "1000000", description = "Members of the activated segment.") long members;

  @Option(names = "--repeat", defaultValue = "3",
      description = "Times the whole-activation comparison runs, alternating the two sides; medians are compared.")
  int repeat;

  @Option(names = "--small-files", defaultValue = "1000", description = "Files of the many-small-files copy comparison.") int smallFiles;

  @Option(names = "--s3mock-jar", defaultValue = "src/test/test-support/target/servers/s3mock-exec.jar",
      description = "S3Mock's runnable jar, for the copies to an S3-compatible server (skipped when missing).")
  Path s3mockJar;

  @Override
  protected Map<String, Object> quickSizes() {
    return Map.of("--members", 20_000L, "--small-files", 100);
  }

  @Override
  protected void run() throws Exception {
    writeConf();
    startSession();
    Path stamp = work.resolve(".generated-" + members);
    if (!Files.exists(stamp)) {
      generate();
      Files.writeString(stamp, Long.toString(members));
    }
    log("data: %,d members with 8 unified fields, 2 insight measures and an e-mail", members);
    report.add("| Comparison | lakecdp (s) | baseline (s) | ratio | rows / files |");
    report.add("|---|---:|---:|---:|---:|");

    activate(conf, "warmup-" + System.nanoTime());
    baseline(work.resolve("baseline-warmup"));

    // each side --repeat times, alternating which goes first; medians compared
    double[] oursSec = new double[repeat];
    double[] theirsSec = new double[repeat];
    long[] ours = new long[1];
    long[] theirs = new long[1];
    JsonNode[] details = new JsonNode[1];
    String runId = null;
    for (int r = 0; r < repeat; r++) {
      String id = "bench-" + System.nanoTime();
      runId = id;
      Path baselineOut = work.resolve("baseline-" + r);
      double[] t = Stopwatch.inTurn(r, () -> {
        details[0] = activate(conf, id);
        ours[0] = details[0].get("rows").asLong();
      }, () -> theirs[0] = baseline(baselineOut));
      oursSec[r] = t[0];
      theirsSec[r] = t[1];
      if (ours[0] != theirs[0]) {
        throw new IllegalStateException("activation sent " + ours[0] + " rows, the plain join + write " + theirs[0]);
      }
      log("round %d: activation %.2f s, plain join + write %.2f s; activation stages (ms): %s", r + 1, oursSec[r],
          theirsSec[r], details[0].get("stage_ms"));
    }
    row("whole activation (select, write, checksums, DistCp, manifest, run record) vs plain join + write"
        + (repeat > 1 ? " (median of " + repeat + ")" : ""), median(oursSec), median(theirsSec), ours[0],
        String.format(Locale.ROOT, "%,d rows", ours[0]));

    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    Delivery delivery = new Delivery(hadoop);
    org.apache.hadoop.fs.Path delivered = new org.apache.hadoop.fs.Path(work.resolve("target").resolve(runId).toUri());
    int files = details[0].get("files").asInt();
    copies("the export's files", delivery, hadoop, delivered, files);

    Path small = work.resolve("small-files-" + smallFiles);
    if (!Files.isDirectory(small)) {
      Files.createDirectories(small);
      byte[] body = "member_id,email\n".repeat(64).getBytes(StandardCharsets.UTF_8);
      for (int i = 0; i < smallFiles; i++) {
        try (OutputStream out = Files.newOutputStream(small.resolve(String.format("part-%05d.csv", i)))) {
          out.write(body);
        }
      }
    }
    org.apache.hadoop.fs.Path smallPath = new org.apache.hadoop.fs.Path(small.toUri());
    copies(smallFiles + " small files (1 KB each)", delivery, hadoop, smallPath, smallFiles);
    if (Files.isRegularFile(s3mockJar)) {
      try (S3MockServer s3 = S3MockServer.start(work.resolve("s3mock"), s3mockJar, "bench")) {
        s3.s3aSettings().forEach(hadoop::set);
        Delivery toS3 = new Delivery(hadoop);
        copies("the export's files to S3 (S3Mock, S3A)", toS3, hadoop, delivered, files);
        copies(smallFiles + " small files to S3 (S3Mock, S3A)", toS3, hadoop, smallPath, smallFiles);
      }
    } else {
      log("no S3Mock jar at %s: the copies to S3 are left out", s3mockJar);
    }
  }

  /** DistCp (as the job runs it) vs FileUtil.copy of the same folder, each to a fresh folder (local, or S3 when it says so). */
  private void copies(String what, Delivery delivery, Configuration hadoop, org.apache.hadoop.fs.Path source, int files)
      throws Exception {
    FileSystem local = FileSystem.getLocal(hadoop).getRawFileSystem();
    boolean s3 = what.contains("S3");
    String stamp = Long.toString(System.nanoTime());
    org.apache.hadoop.fs.Path distcpTarget = s3 ? new org.apache.hadoop.fs.Path("s3a://bench/distcp-" + stamp)
        : new org.apache.hadoop.fs.Path(work.resolve("copy-distcp").toUri());
    org.apache.hadoop.fs.Path plainTarget = s3 ? new org.apache.hadoop.fs.Path("s3a://bench/plain-" + stamp)
        : new org.apache.hadoop.fs.Path(work.resolve("copy-plain").toUri());
    FileSystem targetFs = distcpTarget.getFileSystem(hadoop);
    targetFs.delete(distcpTarget, true);
    targetFs.delete(plainTarget, true);
    delivery.copy(source, new org.apache.hadoop.fs.Path(distcpTarget, "warmup"), Math.min(files, 20));
    double distcp = Stopwatch.seconds(() -> delivery.copy(source, new org.apache.hadoop.fs.Path(distcpTarget, "timed"), Math.min(files, 20)));
    double plain = Stopwatch.seconds(() -> {
      try {
        FileUtil.copy(local, source, targetFs, plainTarget, false, true, hadoop);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    long bytes = local.getContentSummary(source).getLength();
    row("DistCp vs FileSystem copy: " + what, distcp, plain, files,
        String.format(Locale.ROOT, "%,d files, %,d bytes", files, bytes));
  }

  private JsonNode activate(Path conf, String runId) {
    StringWriter out = new StringWriter();
    int code = JobMain.run(new ActivationCommand(), new PrintWriter(out), new PrintWriter(System.err, true),
        "--tenant", TENANT, "--conf", conf.toString(), "--run-id", runId, "--force");
    String summary = out.toString().strip();
    summary = summary.substring(summary.lastIndexOf('\n') + 1);
    if (code != 0) {
      throw new IllegalStateException("activation failed: " + summary);
    }
    try {
      return Json.mapper().readTree(summary).at("/details/bench");
    } catch (java.io.IOException e) {
      throw new IllegalStateException("unreadable summary: " + summary, e);
    }
  }

  /** What a user would write by hand: the same members, columns and e-mail choice, written as gzip CSV. */
  private long baseline(Path out) {
    Dataset<Row> m = spark.table("lake.benchact_seg.membership_latest")
        .filter("segment_id = 'bench' AND NOT holdout").select(functions.col("member_id"));
    Dataset<Row> u = spark.table("lake.benchact_unified.unified_individual");
    Dataset<Row> cv = spark.table("lake.benchact_cio.customer_value");
    Dataset<Row> email = spark.table("lake.benchact_unified.unified_contact_point_email")
        .withColumn("rn", functions.row_number().over(Window.partitionBy("unified_id")
            .orderBy(functions.when(functions.col("source").equalTo("crm"), 0).otherwise(1),
                functions.col("last_modified").desc())))
        .filter("rn = 1").select(functions.col("unified_id"), functions.col("email_address").as("email"));
    Dataset<Row> rows = m.join(u, m.col("member_id").equalTo(u.col("unified_id")), "left").drop("unified_id")
        .join(cv, m.col("member_id").equalTo(cv.col("unified_id")), "left").drop("unified_id")
        .join(email, m.col("member_id").equalTo(email.col("unified_id")), "left").drop("unified_id")
        .filter("email IS NOT NULL")
        .select(functions.col("member_id"), functions.col("first_name"), functions.col("last_name"),
            functions.col("birth_date"), functions.col("phone"), functions.col("address"), functions.col("city"),
            functions.col("postal_code"), functions.col("source_records"), functions.col("lifetime_spend"),
            functions.col("order_count"), functions.col("email"));
    rows.write().mode(SaveMode.Overwrite).option("header", "true").option("compression", "gzip").csv(out.toString());
    return spark.read().option("header", "true").schema("member_id STRING").csv(out.toString()).count();
  }

  private void generate() {
    log("generating data");
    for (String ns : List.of("_unified", "_cio", "_seg", "_dlo")) {
      spark.sql("CREATE NAMESPACE IF NOT EXISTS lake." + TENANT + ns);
    }
    Dataset<Row> ids = spark.range(members).toDF("n");
    Column uid = functions.format_string("U%09d", functions.col("n"));
    ids.select(uid.as("unified_id"),
            functions.concat(functions.lit("First"), functions.col("n").mod(997)).as("first_name"),
            functions.concat(functions.lit("Last"), functions.col("n").mod(4001)).as("last_name"),
            functions.date_add(functions.lit("1950-01-01").cast("date"), functions.col("n").mod(20000).cast("int"))
                .cast("string").as("birth_date"),
            functions.format_string("+1617555%04d", functions.col("n").mod(10000)).as("phone"),
            functions.format_string("%d Main Street", functions.col("n").mod(5000)).as("address"),
            functions.concat(functions.lit("City"), functions.col("n").mod(300)).as("city"),
            functions.format_string("%05d", functions.col("n").mod(90000)).as("postal_code"),
            functions.lit(1L).as("source_records"))
        .writeTo("lake." + TENANT + "_unified.unified_individual").createOrReplace();
    ids.select(uid.as("unified_id"), functions.round(functions.rand(3).multiply(2000), 2).as("lifetime_spend"),
            functions.col("n").mod(20).as("order_count"))
        .writeTo("lake." + TENANT + "_cio.customer_value").createOrReplace();
    // Every member has a web e-mail; every third also a CRM one, which wins.
    Dataset<Row> web = ids.select(uid.as("unified_id"), functions.lit("web").as("source"),
        functions.format_string("person%d@example.com", functions.col("n")).as("email_address"),
        functions.lit("2025-06-01 00:00:00").cast("timestamp").as("last_modified"));
    Dataset<Row> crm = ids.filter("n % 3 = 0").select(uid.as("unified_id"), functions.lit("crm").as("source"),
        functions.format_string("crm%d@example.com", functions.col("n")).as("email_address"),
        functions.lit("2025-01-01 00:00:00").cast("timestamp").as("last_modified"));
    web.unionByName(crm).select(functions.col("unified_id"),
            functions.concat(functions.col("source"), functions.lit(":"), functions.col("unified_id")).as("record_id"),
            functions.lower(functions.col("email_address")).as("value"), functions.col("last_modified"),
            functions.col("email_address"), functions.lit(null).cast("string").as("opt_in_status"), functions.col("source"))
        .writeTo("lake." + TENANT + "_unified.unified_contact_point_email").createOrReplace();
    ids.select(functions.lit("bench").as("segment_id"), uid.as("member_id"), functions.lit(false).as("holdout"))
        .writeTo("lake." + TENANT + "_seg.membership_latest").createOrReplace();
    spark.sql("SELECT 'p1' AS publish_id, 'bench' AS segment_id").writeTo("lake." + TENANT + "_seg.segment_runs")
        .createOrReplace();
  }

  private void writeConf() throws Exception {
    Path tenant = conf.resolve("tenants/" + TENANT);
    Files.createDirectories(tenant.resolve("segments"));
    Files.createDirectories(tenant.resolve("insights"));
    Files.createDirectories(tenant.resolve("activations"));
    writeLocalConf("spark.sql.shuffle.partitions", "16", "spark.sql.adaptive.enabled", "true");
    Files.writeString(tenant.resolve("streams.yaml"), "streams: {}\n");
    Files.writeString(tenant.resolve("segments/bench.yaml"), "include: {attribute: {field: city, op: is_not_null}}\n");
    Files.writeString(tenant.resolve("insights/customer_value.sql"), """
        -- dimensions: unified_id
        -- measures: lifetime_spend, order_count
        SELECT unified_id, SUM(1.0) AS lifetime_spend, COUNT(*) AS order_count FROM UnifiedIndividual GROUP BY unified_id
        """);
    Files.writeString(tenant.resolve("activations/bench.yaml"), """
        segment: bench
        target: %s
        format: csv
        gzip: true
        maxRowsPerFile: 250000
        attributes: [first_name, last_name, birth_date, phone, address, city, postal_code, source_records,
                     customer_value.lifetime_spend, customer_value.order_count]
        contactPoints:
          email: {sources: [crm, web]}
        """.formatted(work.resolve("target").toUri()));
  }

  private void row(String what, double ours, double baseline, long rows, String n) {
    compared(what, ours, baseline, rows);
    report.add(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.2f× | %s |", what, ours, baseline, ours / baseline, n));
    log("%s: lakecdp %.1f s, baseline %.1f s (%.2f×), %s", what, ours, baseline, ours / baseline, n);
  }

  public static void main(String[] args) {
    JobMain.exit(new ActivationBenchmark(), args);
  }
}
