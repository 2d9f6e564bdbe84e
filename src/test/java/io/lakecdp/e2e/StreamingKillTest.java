package io.lakecdp.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakecdp.common.testing.IcebergTables;
import io.lakecdp.testsupport.KafkaBroker;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streaming ingest job through scripts/lakecdp-submit in a JVM of its own, killed with SIGKILL in the middle of a
 * micro-batch and run again: the DLO holds exactly the latest state of the N records, with no duplicates and no gaps,
 * for a landing folder and for a Kafka topic. A SIGTERM to a continuous run finishes the micro-batch and exits 0.
 */
class StreamingKillTest {
  static final int KEYS = 700;

  static String event(int i) {
    return "{\"event_id\":\"e" + (i % KEYS) + "\",\"user_id\":\"u" + (i % 97) + "\",\"amount\":" + i
        + ",\"occurred_at\":\"" + Instant.parse("2025-05-01T00:00:00Z").plusSeconds(i) + "\"}";
  }

  /**
   * Writes {@code <dir>/conf} for a tenant whose events stream reads {@code source}, with its warehouse in
   * {@code <dir>/warehouse} and its landing folder {@code <dir>/landing/<tenant>/events} made; returns the conf folder.
   */
  static Path conf(Path dir, String tenant, String source) throws IOException {
    Path conf = dir.resolve("conf");
    Path warehouse = dir.resolve("warehouse");
    Files.createDirectories(dir.resolve("landing").resolve(tenant).resolve("events"));
    Files.createDirectories(conf.resolve("tenants").resolve(tenant));
    Files.writeString(conf.resolve("local.yaml"), "catalog:\n  name: lake\n  type: hadoop\n  warehouse: " + warehouse
        + "\nlandingRoot: " + conf.getParent().resolve("landing") + "\nspark:\n  spark.sql.shuffle.partitions: \"4\"\n");
    Files.writeString(conf.resolve("tenants").resolve(tenant).resolve("streams.yaml"), "streams:\n  events:\n"
        + "    format: json\n" + source + "    primaryKey: [event_id]\n    lastModified: occurred_at\n"
        + "    fields: {event_id: string, user_id: string, amount: int, occurred_at: timestamp}\n");
    return conf;
  }

  /** Kills the job once it has committed at least one micro-batch and is in the middle of the next one. */
  static String killMidBatch(String... args) {
    AtomicInteger done = new AtomicInteger();
    return Submit.runAndKill(line -> {
      if (line.contains("micro-batch") && line.contains(" done: ")) {
        done.incrementAndGet();
      }
      return done.get() >= 1 && line.contains("records read");
    }, args);
  }

  static void checkLatestState(Path warehouse, String ns, int n) {
    List<Map<String, Object>> rows = new IcebergTables(warehouse).rows(ns, "events");
    Map<String, Integer> latest = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      latest.put("e" + (i % KEYS), i);
    }
    Map<String, Integer> actual = new HashMap<>();
    for (Map<String, Object> r : rows) {
      Integer before = actual.put((String) r.get("event_id"), (Integer) r.get("amount"));
      assertEquals(null, before, "duplicate row for " + r.get("event_id"));
    }
    assertEquals(latest, new TreeMap<>(actual), "the DLO holds exactly the latest version of every record");
  }

  @Test
  void folderStreamKilledMidBatchRerunsToExactlyTheLatestState(@TempDir Path dir) throws Exception {
    Path warehouse = dir.resolve("warehouse");
    Path conf = conf(dir, "kfold", "    path: events\n    streaming: {maxPerTrigger: 2}\n");
    Path landing = dir.resolve("landing").resolve("kfold").resolve("events");
    int n = 0;
    for (int f = 0; f < 12; f++) {
      StringBuilder sb = new StringBuilder();
      for (int j = 0; j < 250; j++) {
        sb.append(event(n++)).append('\n');
      }
      Files.writeString(landing.resolve(String.format("part-%03d.jsonl", f)), sb.toString());
    }
    killMidBatchAndRerun(conf, warehouse, "kfold", n);
  }

  @Test
  void kafkaStreamKilledMidBatchRerunsToExactlyTheLatestState(@TempDir Path dir) throws Exception {
    try (KafkaBroker kafka = KafkaBroker.start(dir.resolve("kafka"), 3)) {
      Path warehouse = dir.resolve("warehouse");
      Path conf = conf(dir, "kkafka", "    kafka: {bootstrapServers: \"" + kafka.bootstrapServers()
          + "\", topic: events}\n    streaming: {maxPerTrigger: 500}\n");
      int n = 3000;
      Properties props = new Properties();
      props.put("bootstrap.servers", kafka.bootstrapServers());
      props.put("key.serializer", StringSerializer.class.getName());
      props.put("value.serializer", StringSerializer.class.getName());
      try (KafkaProducer<String, String> p = new KafkaProducer<>(props)) {
        for (int i = 0; i < n; i++) {
          // the key picks the partition: every version of a record goes to the same partition, in order
          p.send(new ProducerRecord<>("events", "e" + (i % KEYS), event(i)));
        }
        p.flush();
      }
      killMidBatchAndRerun(conf, warehouse, "kkafka", n);
    }
  }

  /**
   * Kills ingest-stream of the tenant in its first micro-batch, runs it again and checks its DLO holds exactly the
   * latest version of each of the n records.
   */
  private static void killMidBatchAndRerun(Path conf, Path warehouse, String tenant, int n) throws Exception {
    String[] args = {"ingest-stream", "--tenant", tenant, "--conf", conf.toString(), "--master", "local[2]"};
    String log = killMidBatch(args);
    assertTrue(log.contains("micro-batch 0 done"), log);
    Submit.Result rerun = Submit.run(args);
    assertEquals(0, rerun.exitCode(), rerun.err());
    checkLatestState(warehouse, tenant + "_dlo", n);
  }

  @Test
  void sigtermFinishesTheCurrentMicroBatchAndExitsCleanly(@TempDir Path dir) throws Exception {
    Path warehouse = dir.resolve("warehouse");
    Path conf = conf(dir, "kterm", "    path: events\n");
    Path landing = dir.resolve("landing").resolve("kterm").resolve("events");
    Files.writeString(landing.resolve("a.jsonl"), event(1) + "\n" + event(2) + "\n");
    Process p = Submit.builder("ingest-stream", "--tenant", "kterm", "--conf", conf.toString(), "--master", "local[2]",
        "--trigger", "processing-time=1s").redirectErrorStream(true).start();
    StringBuilder log = new StringBuilder();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      boolean signalled = false;
      while ((line = r.readLine()) != null) {
        log.append(line).append('\n');
        if (!signalled && line.contains("micro-batch 0 done")) {
          Files.writeString(landing.resolve("b.jsonl"), event(3) + "\n");
        }
        if (!signalled && line.contains("micro-batch 1 done")) {
          // SIGTERM, as a scheduler or a container runtime sends it (Process.destroy would also close our pipe)
          new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor();
          signalled = true;
        }
      }
    }
    assertTrue(p.waitFor(90, TimeUnit.SECONDS), log.toString());
    assertEquals(0, p.exitValue(), log.toString());
    assertTrue(log.toString().contains("Termination signal"), log.toString());
    String summary = log.toString().lines().filter(l -> l.startsWith("{\"lakecdp_summary\"")).reduce((a, b) -> b).orElse("");
    assertTrue(summary.contains("\"stopped_by_signal\":true") && summary.contains("\"status\":\"succeeded\""), log.toString());
    assertEquals(3, new IcebergTables(warehouse).rows("kterm_dlo", "events").size());
  }
}
