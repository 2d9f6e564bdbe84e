package io.lakecdp.ingeststream;

import io.lakecdp.bench.Benchmark;
import io.lakecdp.bench.Stopwatch;
import io.lakecdp.common.job.JobMain;
import io.lakecdp.testsupport.KafkaBroker;
import java.io.BufferedWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.spark.Spark3Util;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Benchmark of streaming ingest: an AvailableNow run over N JSON records in a landing folder vs a plain batch read +
 * append of the same files; an on-demand run that finds nothing new (JVM and session start reported apart); and,
 * against a real Kafka broker, sustained records/s with a processing-time trigger and produce-to-visible latency at
 * a steady rate (p50/p95, from the commit time of the snapshot that made each record visible).
 */
@Command(name = "bench-ingest-stream", mixinStandardHelpOptions = true,
    description = "Benchmark streaming ingest against a plain batch read + append, and Kafka throughput and latency.")
public final class StreamingBenchmark extends Benchmark {
  private static final String TENANT = "benchstream";
  private static final String FIELDS = "    fields: {event_id: string, user_id: string, kind: string, amount: int, "
      + "occurred_at: timestamp, produced_at_ms: long}\n";

  @Option(names = "--records", defaultValue = "1000000", description = "JSON records in the landing folder.") int records;

  @Option(names = "--files", defaultValue = "20", description = "Files the records are spread over.") int files;

  @Option(names = "--repeat", defaultValue = "3",
      description = "Times the AvailableNow comparison runs, alternating the two sides; medians are compared.") int repeat;

  @Option(names = "--kafka-backlog", defaultValue = "500000", description = "Messages for the throughput run.") int backlog;

  @Option(names = "--rate", defaultValue = "2000", description = "Messages per second of the latency run.") int rate;

  @Option(names = "--seconds", defaultValue = "60", description = "Length of the latency run.") int seconds;

  @Option(names = "--kafka-classpath", defaultValue = "src/test/kafka-broker/target/broker-classpath.txt",
      description = "Classpath file of the Kafka broker (written by the Maven module src/test/kafka-broker).")
  Path kafkaClasspath;

  @Override
  protected Map<String, Object> quickSizes() {
    return Map.of("--records", 50_000, "--files", 4, "--kafka-backlog", 20_000, "--rate", 500, "--seconds", 10);
  }

  @Override
  protected void run() throws Exception {
    Path kafkaDir = work.resolve("kafka");
    deleteTree(work.resolve("warehouse"));
    deleteTree(kafkaDir);
    Files.createDirectories(conf.resolve("tenants/" + TENANT));
    writeLocalConf("spark.sql.shuffle.partitions", "8");
    try (KafkaBroker kafka = KafkaBroker.start(kafkaDir, Files.readString(kafkaClasspath).trim(), 3)) {
      Files.writeString(conf.resolve("tenants/" + TENANT + "/streams.yaml"), "streams:\n"
          + "  events:\n    format: json\n    path: events\n    primaryKey: [event_id]\n    lastModified: occurred_at\n" + FIELDS
          + "  warmup:\n    format: json\n    path: warmup\n    primaryKey: [event_id]\n" + FIELDS
          + repeats()
          + "  kafka_backlog:\n    format: json\n    kafka: {bootstrapServers: \"" + kafka.bootstrapServers()
          + "\", topic: backlog}\n    primaryKey: [event_id]\n" + FIELDS
          + "  kafka_steady:\n    format: json\n    kafka: {bootstrapServers: \"" + kafka.bootstrapServers()
          + "\", topic: steady}\n    primaryKey: [event_id]\n" + FIELDS);
      long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
      long t0 = System.currentTimeMillis();
      startSession();
      long sessionReady = System.currentTimeMillis();
      Path landing = work.resolve("landing/" + TENANT);
      writeFiles(landing.resolve("events"), records, files);
      writeFiles(landing.resolve("warmup"), 20_000, 2);
      report.add("| Measure | lakecdp | baseline | ratio | records |");
      report.add("|---|---:|---:|---:|---:|");

      ingest("warmup", "available-now", null);
      spark.sql("CREATE NAMESPACE IF NOT EXISTS lake.bench_baseline");
      baseline(landing.resolve("warmup"), "lake.bench_baseline.warmup");
      // each side --repeat times, alternating which goes first, into fresh tables (stream events_<r> reads the same
      // landing folder)
      double[] ours = new double[repeat];
      double[] theirs = new double[repeat];
      for (int r = 0; r < repeat; r++) {
        String stream = r == 0 ? "events" : "events_" + r;
        double[] t = Stopwatch.inTurn(r, () -> ingest(stream, "available-now", null),
            () -> baseline(landing.resolve("events"), "lake.bench_baseline." + stream));
        ours[r] = t[0];
        theirs[r] = t[1];
        long loaded = spark.table("lake." + TENANT + "_dlo." + stream).count();
        long plain = spark.table("lake.bench_baseline." + stream).count();
        if (loaded != records || plain != records) {
          throw new IllegalStateException("loaded " + loaded + " / " + plain + " rows, expected " + records);
        }
        log("AvailableNow round %d: lakecdp %.2f s, plain read + append %.2f s", r + 1, ours[r], theirs[r]);
      }
      row("AvailableNow ingest of a landing folder (s) vs spark.read.json + append"
          + (repeat > 1 ? " (median of " + repeat + ")" : ""), median(ours), median(theirs), records);
      double idle = Stopwatch.seconds(() -> ingest("events", "available-now", null));
      row("on-demand run that finds nothing new (s); JVM start to session ready in baseline column", idle,
          (sessionReady - jvmStart) / 1000.0, 0);
      log("JVM start -> main %.1f s, SparkSession %.1f s", (t0 - jvmStart) / 1000.0, (sessionReady - t0) / 1000.0);

      // Kafka throughput: a backlog drained by a processing-time trigger.
      produce(kafka, "backlog", "e", backlog, 0, null);
      double drain = Stopwatch.seconds(() -> ingest("kafka_backlog", "processing-time=1s", "until:" + backlog));
      row("Kafka backlog drained with processing-time=1s (records/s)", backlog / drain, Double.NaN, backlog);

      // Kafka latency: a steady rate while the query runs.
      Map<String, Long> producedAt = new HashMap<>();
      produce(kafka, "steady", "warmup-", 1, 0, null);  // creates the topic before the query subscribes to it
      Thread query = new Thread(() -> ingest("kafka_steady", "processing-time=1s", "stop-after:" + (seconds + 20) + "s"));
      query.start();
      Thread.sleep(8000);
      produce(kafka, "steady", "e", rate * seconds, rate, producedAt);
      query.join();
      double[] latency = latencies("lake." + TENANT + "_dlo.kafka_steady", producedAt);
      report.add(String.format(Locale.ROOT, "| Kafka produce → visible in the DLO at %,d msg/s, processing-time=1s "
          + "(p50 / p95 s) | %.2f / %.2f | | | %,d |", rate, latency[0], latency[1], producedAt.size()));
      log("latency p50 %.2f s, p95 %.2f s over %,d records", latency[0], latency[1], producedAt.size());
    }
  }

  private void ingest(String stream, String trigger, String limit) {
    List<String> args = new ArrayList<>(List.of("--tenant", TENANT, "--conf", work.resolve("conf").toString(),
        "--stream", stream, "--trigger", trigger));
    if (limit != null && limit.startsWith("stop-after:")) {
      args.addAll(List.of("--stop-after", limit.substring("stop-after:".length())));
    }
    if (limit != null && limit.startsWith("until:")) {
      // run until the backlog is in the table, checking every second
      long want = Long.parseLong(limit.substring("until:".length()));
      Thread watcher = new Thread(() -> {
        while (true) {
          try {
            Thread.sleep(1000);
            if (spark.catalog().tableExists("lake." + TENANT + "_dlo." + stream)) {
              Table t = Spark3Util.loadIcebergTable(spark, "lake." + TENANT + "_dlo." + stream);
              t.refresh();
              Snapshot s = t.currentSnapshot();
              if (s != null && Long.parseLong(s.summary().getOrDefault("total-records", "0")) >= want) {
                spark.streams().active()[0].stop();
                return;
              }
            }
          } catch (Exception e) {
            return;
          }
        }
      });
      watcher.setDaemon(true);
      watcher.start();
    }
    StringWriter out = new StringWriter();
    int code = JobMain.run(new IngestStreamCommand(), new PrintWriter(out), new PrintWriter(System.err, true),
        args.toArray(new String[0]));
    if (code != 0) {
      throw new IllegalStateException("ingest-stream " + stream + " failed: " + out);
    }
  }

  private String repeats() {
    StringBuilder b = new StringBuilder();
    for (int r = 1; r < repeat; r++) {
      b.append("  events_").append(r).append(":\n    format: json\n    path: events\n    primaryKey: [event_id]\n"
          + "    lastModified: occurred_at\n").append(FIELDS);
    }
    return b.toString();
  }

  private void baseline(Path folder, String table) {
    spark.read().schema("event_id STRING, user_id STRING, kind STRING, amount INT, occurred_at TIMESTAMP, "
        + "produced_at_ms BIGINT").json(folder.toString()).writeTo(table).using("iceberg").createOrReplace();
  }

  private static void writeFiles(Path dir, int n, int count) throws Exception {
    if (Files.isDirectory(dir)) {
      deleteTree(dir);
    }
    Files.createDirectories(dir);
    int perFile = (n + count - 1) / count;
    int i = 0;
    for (int f = 0; f < count && i < n; f++) {
      try (BufferedWriter w = Files.newBufferedWriter(dir.resolve(String.format("part-%04d.jsonl", f)))) {
        for (int j = 0; j < perFile && i < n; j++, i++) {
          w.write(event(i, 0));
          w.write('\n');
        }
      }
    }
  }

  static String event(int i, long producedAt) {
    return "{\"event_id\":\"e" + i + "\",\"user_id\":\"u" + (i % 50_000) + "\",\"kind\":\"" + (i % 3 == 0 ? "buy" : "view")
        + "\",\"amount\":" + (i % 500) + ",\"occurred_at\":\"" + Instant.ofEpochSecond(1_746_000_000L + i)
        + "\",\"produced_at_ms\":" + producedAt + "}";
  }

  /** Sends n messages, at {@code rate} per second (0: as fast as possible), remembering when each was sent. */
  private static void produce(KafkaBroker kafka, String topic, String prefix, int n, int rate, Map<String, Long> producedAt)
      throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", kafka.bootstrapServers());
    props.put("key.serializer", StringSerializer.class.getName());
    props.put("value.serializer", StringSerializer.class.getName());
    props.put("linger.ms", rate == 0 ? "20" : "0");
    long start = System.nanoTime();
    try (KafkaProducer<String, String> p = new KafkaProducer<>(props)) {
      for (int i = 0; i < n; i++) {
        if (rate > 0) {
          long due = start + (long) (i * 1e9 / rate);
          long wait = due - System.nanoTime();
          if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
          }
        }
        long now = System.currentTimeMillis();
        p.send(new ProducerRecord<>(topic, prefix + i, event(i, now).replace("\"e" + i + "\"", "\"" + prefix + i + "\"")));
        if (producedAt != null) {
          producedAt.put(prefix + i, now);
        }
      }
      p.flush();
    }
  }

  /** p50 and p95 of (commit time of the first snapshot holding a record) - (its produce time), in seconds. */
  private double[] latencies(String table, Map<String, Long> producedAt) throws Exception {
    Table t = Spark3Util.loadIcebergTable(spark, table);
    t.refresh();
    List<Snapshot> snapshots = new ArrayList<>();
    t.snapshots().forEach(snapshots::add);
    snapshots.sort(java.util.Comparator.comparingLong(Snapshot::timestampMillis));
    Set<String> seen = new HashSet<>();
    List<Double> lat = new ArrayList<>();
    for (Snapshot s : snapshots) {
      for (Row r : spark.read().option("snapshot-id", s.snapshotId()).format("iceberg").load(table)
          .select("event_id").collectAsList()) {
        String id = r.getString(0);
        if (seen.add(id) && producedAt.containsKey(id)) {
          lat.add((s.timestampMillis() - producedAt.get(id)) / 1000.0);
        }
      }
    }
    if (lat.size() != producedAt.size()) {
      throw new IllegalStateException(lat.size() + " of " + producedAt.size() + " produced records reached the DLO");
    }
    lat.sort(Double::compare);
    return new double[] {lat.get(lat.size() / 2), lat.get((int) (lat.size() * 0.95))};
  }

  /** A row of the table; only the AvailableNow run is a comparison in seconds with a baseline (a JSON line). */
  private void row(String what, double ours, double baseline, long n) {
    if (what.startsWith("AvailableNow")) {
      compared(what, ours, baseline, n);
    }
    String b = Double.isNaN(baseline) ? "" : String.format(Locale.ROOT, "%.1f", baseline);
    String ratio = Double.isNaN(baseline) || n == 0 ? "" : String.format(Locale.ROOT, "%.2f×", ours / baseline);
    report.add(String.format(Locale.ROOT, "| %s | %,.1f | %s | %s | %,d |", what, ours, b, ratio, n));
    log("%s: %.1f vs %s (%s), %,d records", what, ours, b, ratio, n);
  }

  private static void deleteTree(Path p) throws Exception {
    if (Files.exists(p)) {
      try (var s = Files.walk(p)) {
        for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(x);
        }
      }
    }
  }

  public static void main(String[] args) {
    JobMain.exit(new StreamingBenchmark(), args);
  }
}
