package io.lakecdp.segmentation;

import io.lakecdp.bench.Benchmark;
import io.lakecdp.bench.Stopwatch;
import io.lakecdp.common.job.JobMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Benchmark of segment publishing on generated data (unified individuals, orders, e-mail events in
 * Iceberg): one representative segment (attribute filter + related aggregate in a time window +
 * exclusion) published by the job vs the hand-written Spark SQL a user would write, writing the same
 * members; and N segments in one publish vs N separate hand-written queries. Member counts of both
 * sides must agree, or the benchmark fails.
 */
@Command(name = "bench-segmentation", mixinStandardHelpOptions = true,
    description = "Benchmark segmentation publish against hand-written Spark SQL; prints a Markdown table.")
public final class SegmentationBenchmark extends Benchmark {
  private static final String TENANT = "bench";
  private static final String AS_OF = "2025-06-30";
  private static final String[] CITIES = {"Boston", "Denver", "Austin", "Seattle", "Chicago", "Miami", "Portland",
      "Phoenix", "Atlanta", "Dallas"};

  @Option(names = "--members", defaultValue = "1000000", description = "Unified individuals.") long members;

  @Option(names = "--orders", defaultValue = "10000000", description = "Orders.") long orders;

  @Option(names = "--events", defaultValue = "10000000", description = "E-mail engagement events.") long events;

  @Option(names = "--segments", defaultValue = "20", description = "Segments of the many-segments comparison.") int many;

  @Option(names = "--repeat", defaultValue = "3",
      description = "Times the one-segment comparison runs, alternating the two sides; medians are compared.") int repeat;

  @Override
  protected Map<String, Object> quickSizes() {
    return Map.of("--members", 20_000L, "--orders", 200_000L, "--events", 200_000L, "--segments", 4);
  }

  @Override
  protected void run() throws Exception {
    writeConf();
    startSession();
    String marker = members + "-" + orders + "-" + events;
    Path stamp = work.resolve(".generated-" + marker);
    if (!Files.exists(stamp)) {
      generate();
      Files.writeString(stamp, marker);
    }
    log("data: %,d unified individuals, %,d orders, %,d e-mail events", members, orders, events);
    report.add("| Comparison | lakecdp (s) | hand-written Spark SQL (s) | ratio | members |");
    report.add("|---|---:|---:|---:|---:|");

    // Warm-up: the first Spark jobs of a JVM pay for class loading and code generation.
    writeSegments(conf, 1, true);
    publish(conf, "warmup");
    handWritten(0, "lake.bench_baseline.warmup");

    // Each side --repeat times in turn, the side that goes first alternating from round to round (the one measured
    // second would otherwise always run on code, and in a heap, the first left behind); medians are compared.
    writeSegments(conf, 1, false);
    long[] ours = new long[1];
    long[] theirs = new long[1];
    double[] oursSec = new double[repeat];
    double[] theirsSec = new double[repeat];
    for (int r = 0; r < repeat; r++) {
      double[] t = Stopwatch.inTurn(r, () -> ours[0] = publish(conf, "one-" + System.nanoTime()),
          () -> theirs[0] = handWritten(0, "lake.bench_baseline.seg_0"));
      oursSec[r] = t[0];
      theirsSec[r] = t[1];
      check(ours[0], theirs[0], "representative segment");
      log("1 segment, round %d: lakecdp %.2f s, hand-written %.2f s", r + 1, oursSec[r], theirsSec[r]);
    }
    row("1 segment (filter + related aggregate in a 30-day window + exclusion)"
        + (repeat > 1 ? ", median of " + repeat : ""), median(oursSec), median(theirsSec), ours[0]);

    writeSegments(conf, many, false);
    double manySec = Stopwatch.seconds(() -> ours[0] = publish(conf, "many-" + System.nanoTime()));
    double manyBaseline = Stopwatch.seconds(() -> {
      long total = 0;
      for (int i = 0; i < many; i++) {
        total += handWritten(i, "lake.bench_baseline.seg_" + i);
      }
      theirs[0] = total;
    });
    check(ours[0], theirs[0], many + " segments");
    row(many + " segments: one publish vs " + many + " separate queries", manySec, manyBaseline, ours[0]);
  }

  private void row(String what, double ours, double baseline, long n) {
    compared(what, ours, baseline, n);
    report.add(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.2f× | %,d |", what, ours, baseline, ours / baseline, n));
    log("%s: lakecdp %.1f s, hand-written %.1f s (%.2f×), %,d members", what, ours, baseline, ours / baseline, n);
  }

  private static void check(long ours, long theirs, String what) {
    if (ours != theirs) {
      throw new IllegalStateException(what + ": lakecdp published " + ours + " members, the hand-written SQL "
          + theirs + ": the two are not the same query");
    }
  }

  /** Segment i: a city, completed orders over a floor in a window, excluding returners. */
  private static int window(int i) {
    return 30 + 5 * (i % 4);
  }

  private static int floor(int i) {
    return 50 + 10 * (i % 3);
  }

  private static String city(int i) {
    return CITIES[i % CITIES.length];
  }

  private static void writeSegments(Path conf, int n, boolean warmup) throws Exception {
    Path dir = conf.resolve("tenants/" + TENANT + "/segments");
    if (Files.isDirectory(dir)) {
      try (var s = Files.list(dir)) {
        for (Path p : s.toList()) {
          Files.delete(p);
        }
      }
    }
    Files.createDirectories(dir);
    for (int i = 0; i < n; i++) {
      Files.writeString(dir.resolve((warmup ? "warmup" : "seg_" + i) + ".yaml"), """
          include:
            all:
              - attribute: {field: city, op: eq, value: %s}
              - related:
                  object: SalesOrder
                  where:
                    all:
                      - attribute: {field: OrderStatus, op: eq, value: completed}
                      - attribute: {field: TotalAmount, op: gt, value: %d}
                  window: {field: OrderDate, withinLastDays: %d}
                  aggregate: {function: count, op: gte, value: 2}
          exclude:
            related:
              object: EmailEngagement
              where: {attribute: {field: EngagementType, op: eq, value: unsubscribe}}
          """.formatted(city(i), floor(i), window(i)));
    }
  }

  /** What a user would write by hand for segment i, written to a table like the publish writes its members. */
  private long handWritten(int i, String table) {
    String sql = """
        SELECT u.unified_id AS member_id
        FROM lake.bench_unified.unified_individual u
        JOIN (SELECT l.unified_id
              FROM lake.bench_dlo.orders o
              JOIN lake.bench_unified.unified_link_individual l ON l.individual_id = o.customer_id
              WHERE o.status = 'completed' AND o.total_amount > %d
                AND o.order_ts >= TIMESTAMP '%s 00:00:00' - INTERVAL %d DAYS AND o.order_ts <= TIMESTAMP '%s 00:00:00'
              GROUP BY l.unified_id HAVING COUNT(*) >= 2) b ON b.unified_id = u.unified_id
        LEFT ANTI JOIN (SELECT DISTINCT l.unified_id
              FROM lake.bench_dlo.email_events e
              JOIN lake.bench_unified.unified_link_individual l ON l.individual_id = e.contact_id
              WHERE e.event_type = 'unsubscribe') x ON x.unified_id = u.unified_id
        WHERE u.city = '%s'
        """.formatted(floor(i), AS_OF, window(i), AS_OF, city(i));
    spark.sql(sql).writeTo(table).using("iceberg").createOrReplace();
    return spark.table(table).count();
  }

  private long publish(Path conf, String runId) {
    StringWriter out = new StringWriter();
    int code = JobMain.run(new SegmentationCommand.PublishCommand(), new PrintWriter(out),
        new PrintWriter(System.err, true), "--tenant", TENANT, "--conf", conf.toString(), "--as-of", AS_OF,
        "--run-id", runId, "--force");  // computed every time, also when an earlier run of the benchmark published the same
    if (code != 0) {
      throw new IllegalStateException("segmentation publish failed: " + out);
    }
    String summary = out.toString().strip();
    summary = summary.substring(summary.lastIndexOf('\n') + 1);
    try {
      com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(summary);
      return json.get("rows_out").asLong();
    } catch (java.io.IOException e) {
      throw new IllegalStateException("unreadable summary: " + summary, e);
    }
  }

  private void generate() {
    log("generating data");
    for (String ns : List.of("bench_dlo", "bench_unified", "bench_baseline")) {
      spark.sql("CREATE NAMESPACE IF NOT EXISTS lake." + ns);
    }
    Dataset<Row> ids = spark.range(members).toDF("n");
    ids.select(functions.format_string("U%09d", functions.col("n")).as("unified_id"),
            functions.concat(functions.lit("First"), functions.col("n").mod(997)).as("first_name"),
            functions.concat(functions.lit("Last"), functions.col("n").mod(4001)).as("last_name"),
            functions.element_at(functions.array(java.util.Arrays.stream(CITIES).map(functions::lit)
                .toArray(org.apache.spark.sql.Column[]::new)), functions.col("n").mod(CITIES.length).plus(1).cast("int"))
                .as("city"),
            functions.format_string("%05d", functions.col("n").mod(90000)).as("postal_code"),
            functions.date_add(functions.lit("1950-01-01").cast("date"), functions.col("n").mod(20000).cast("int"))
                .as("birth_date"))
        .writeTo("lake.bench_unified.unified_individual").createOrReplace();
    // Some unified individuals have two source records.
    ids.select(functions.format_string("I%09d", functions.col("n")).as("individual_id"),
            functions.format_string("U%09d", functions.when(functions.col("n").mod(5).equalTo(4),
                functions.col("n").minus(1)).otherwise(functions.col("n"))).as("unified_id"),
            functions.format_string("crm:I%09d", functions.col("n")).as("record_id"))
        .writeTo("lake.bench_unified.unified_link_individual").createOrReplace();
    Dataset<Row> o = spark.range(orders).toDF("n").withColumn("r", functions.rand(7));
    o.select(functions.format_string("O%010d", functions.col("n")).as("order_id"),
            functions.format_string("I%09d", functions.pmod(functions.xxhash64(functions.col("n")), functions.lit(members)))
                .as("customer_id"),
            functions.when(functions.col("r").lt(0.85), "completed").otherwise("returned").as("status"),
            functions.round(functions.rand(8).multiply(200), 2).as("total_amount"),
            functions.expr("TIMESTAMP '2025-06-30 00:00:00' - make_interval(0, 0, 0, 0, 0, CAST(rand(9) * 525600 AS INT), 0)")
                .as("order_ts"))
        .writeTo("lake.bench_dlo.orders").createOrReplace();
    Dataset<Row> e = spark.range(events).toDF("n").withColumn("r", functions.rand(10));
    e.select(functions.format_string("E%010d", functions.col("n")).as("event_id"),
            functions.format_string("I%09d", functions.pmod(functions.xxhash64(functions.col("n"), functions.lit(1)),
                functions.lit(members))).as("contact_id"),
            functions.when(functions.col("r").lt(0.6), "sent").when(functions.col("r").lt(0.9), "open")
                .when(functions.col("r").lt(0.995), "click").otherwise("unsubscribe").as("event_type"),
            functions.expr("TIMESTAMP '2025-06-30 00:00:00' - make_interval(0, 0, 0, 0, 0, CAST(rand(11) * 525600 AS INT), 0)")
                .as("occurred_at"))
        .writeTo("lake.bench_dlo.email_events").createOrReplace();
  }

  private void writeConf() throws Exception {
    Files.createDirectories(conf.resolve("tenants/" + TENANT));
    writeLocalConf("spark.sql.shuffle.partitions", "16", "spark.sql.adaptive.enabled", "true");
    Files.writeString(conf.resolve("tenants/" + TENANT + "/streams.yaml"), """
        streams:
          orders:
            format: csv
            path: orders
            primaryKey: [order_id]
            fields: {order_id: string, customer_id: string, status: string, total_amount: double, order_ts: timestamp}
          email_events:
            format: json
            path: events
            primaryKey: [event_id]
            fields: {event_id: string, contact_id: string, event_type: string, occurred_at: timestamp}
        """);
    Files.writeString(conf.resolve("tenants/" + TENANT + "/mappings.yaml"), """
        mappings:
          - dlo: orders
            dmo: SalesOrder
            fields: {Id: order_id, PartyId: customer_id, OrderStatus: status, TotalAmount: total_amount, OrderDate: order_ts}
          - dlo: email_events
            dmo: EmailEngagement
            fields: {Id: event_id, PartyId: contact_id, EngagementType: event_type, EngagementDateTime: occurred_at}
        """);
  }

  public static void main(String[] args) {
    JobMain.exit(new SegmentationBenchmark(), args);
  }
}
