package io.lakecdp.crossjob;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakecdp.common.testing.JobRun;
import io.lakecdp.common.testing.TestConf;
import io.lakecdp.common.testing.TestSpark;
import io.lakecdp.dlowrite.DloWriteCommand;
import io.lakecdp.ingeststream.IngestStreamCommand;
import io.lakecdp.testsupport.KafkaBroker;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.spark.Spark3Util;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streaming ingest job in this JVM against real landing folders and a real Kafka broker: micro-batches go
 * through batch ingest's validation, quarantine and upsert; an on-demand run with nothing new writes nothing; a
 * new field follows the evolution setting; the windowed insight counts events per key and hour.
 */
class StreamingIngestTest {
  static final String FIELDS = "    fields:\n      event_id: string\n      user_id: string\n      kind: string\n"
      + "      amount: int\n      occurred_at: timestamp\n";

  static String streams(String name, String extra) {
    return "streams:\n  " + name + ":\n    format: json\n    path: events\n    primaryKey: [event_id]\n"
        + "    lastModified: occurred_at\n    maxRecordBytes: 300\n" + extra + FIELDS;
  }

  static String event(String id, String user, String kind, int amount, String at) {
    return "{\"event_id\":\"" + id + "\",\"user_id\":\"" + user + "\",\"kind\":\"" + kind + "\",\"amount\":" + amount
        + ",\"occurred_at\":\"" + at + "\"}";
  }

  static Long snapshotId(String table) throws Exception {
    var t = Spark3Util.loadIcebergTable(TestSpark.session(), table);
    t.refresh();
    Snapshot s = t.currentSnapshot();
    return s == null ? null : s.snapshotId();
  }

  static Map<String, Row> rows(String table) {
    Map<String, Row> m = new TreeMap<>();
    for (Row r : TestSpark.session().table(table).collectAsList()) {
      m.put(r.getString(r.fieldIndex("event_id")), r);
    }
    return m;
  }

  @Test
  void folderStreamLoadsGoodRecordsQuarantinesBadOnesAndWritesNothingWhenNothingIsNew(@TempDir Path dir) throws Exception {
    TestConf conf = TestConf.create(dir, "sfold").tenantFile("streams.yaml", streams("web_events",
        "    streaming: {insight: {name: events_per_hour, key: user_id, timestamp: occurred_at, window: 1 hour}}\n"));
    conf.landingFile("events/a.jsonl", String.join("\n",
        event("e1", "u1", "view", 1, "2025-05-01T10:05:00Z"),
        event("e2", "u1", "view", 2, "2025-05-01T10:45:00Z"),
        "{\"event_id\":\"bad1\",\"user_id\":",                              // malformed JSON
        event("e3", "u2", "buy", 3, "2025-05-01T11:10:00Z").replace("3,", "\"three\","),  // wrong type
        "{\"user_id\":\"u9\",\"kind\":\"view\"}",                            // no primary key
        "{\"event_id\":\"big\",\"note\":\"" + "x".repeat(400) + "\"}") + "\n");  // oversized
    conf.landingFile("events/b.jsonl", event("e4", "u2", "buy", 4, "2025-05-01T11:20:00Z") + "\n"
        + event("e1", "u1", "view", 10, "2025-05-01T10:06:00Z") + "\n");      // a newer version of e1

    JobRun first = JobRun.of(new IngestStreamCommand(), conf.jobArgs("--run-id", "s1"));
    assertEquals(0, first.exitCode(), first.err() + first.out());
    String table = "lake.sfold_dlo.web_events";
    Map<String, Row> loaded = rows(table);
    assertEquals(List.of("e1", "e2", "e4"), new ArrayList<>(loaded.keySet()));
    assertEquals(10, loaded.get("e1").<Integer>getAs("amount"), "the newest version of e1 wins");
    assertEquals(4, first.summary().at("/rows_quarantined").asLong());
    SparkSession spark = TestSpark.session();
    Map<String, String> reasons = new TreeMap<>();
    for (Row r : spark.table("lake.sfold_dlo.quarantine").collectAsList()) {
      reasons.put(r.<String>getAs("raw_record").substring(0, 20), r.getAs("reason"));
      assertTrue(r.<String>getAs("source_file").endsWith("a.jsonl"), "quarantined with the file it came from");
    }
    assertEquals(4, reasons.size(), reasons.toString());
    assertTrue(reasons.values().stream().anyMatch(x -> x.startsWith("malformed JSON")), reasons.toString());
    assertTrue(reasons.values().stream().anyMatch(x -> x.contains("cannot read 'three' as int")), reasons.toString());
    assertTrue(reasons.values().stream().anyMatch(x -> x.contains("missing primary key field event_id")), reasons.toString());
    assertTrue(reasons.values().stream().anyMatch(x -> x.contains("exceeds maxRecordBytes 300")), reasons.toString());

    // events per user and hour: u1 at 10:00 has e1 (twice: two messages), e2; u2 at 11:00 has e4
    Map<String, Long> hourly = new TreeMap<>();
    for (Row r : spark.table("lake.sfold_cio.events_per_hour").collectAsList()) {
      hourly.put(r.getString(0) + "@" + r.getTimestamp(1).toInstant(), r.getLong(3));
    }
    assertEquals(Map.of("u1@2025-05-01T10:00:00Z", 3L, "u2@2025-05-01T11:00:00Z", 1L), hourly);

    Long before = snapshotId(table);
    long start = System.currentTimeMillis();
    JobRun idle = JobRun.of(new IngestStreamCommand(), conf.jobArgs("--run-id", "s2"));
    assertEquals(0, idle.exitCode(), idle.err());
    assertEquals(0, idle.summary().at("/details/web_events/batches").asLong());
    assertEquals(before, snapshotId(table), "an on-demand run that finds nothing new writes no snapshot");
    assertTrue(System.currentTimeMillis() - start < 30_000);

    // A file dropped later is picked up by the next run, and files that batch ingest took are not loaded twice.
    conf.landingFile("events/c.jsonl", event("e5", "u3", "view", 5, "2025-05-02T09:00:00Z") + "\n");
    JobRun batch = JobRun.of(new DloWriteCommand(), conf.jobArgs("--run-id", "b1"));
    assertEquals(0, batch.exitCode(), batch.err());
    assertEquals(1, batch.summary().at("/rows_in").asLong(), "batch ingest takes only c (a and b were streamed)");
    conf.landingFile("events/d.jsonl", event("e6", "u3", "view", 6, "2025-05-02T09:30:00Z") + "\n");
    JobRun later = JobRun.of(new IngestStreamCommand(), conf.jobArgs("--run-id", "s3"));
    assertEquals(0, later.exitCode(), later.err());
    assertEquals(1, later.summary().at("/rows_in").asLong(), "streaming takes only d (c was ingested by dlo-write)");
    assertEquals(List.of("e1", "e2", "e4", "e5", "e6"), new ArrayList<>(rows(table).keySet()));
  }

  @Test
  void newFieldsFollowTheEvolutionSettingAndAnIncompatibleChangeStopsTheQuery(@TempDir Path dir) throws Exception {
    TestConf conf = TestConf.create(dir, "sevo").tenantFile("streams.yaml", streams("web_events", ""));
    conf.landingFile("events/a.jsonl", event("e1", "u1", "view", 1, "2025-05-01T10:05:00Z") + "\n");
    assertEquals(0, JobRun.of(new IngestStreamCommand(), conf.jobArgs()).exitCode());
    conf.landingFile("events/b.jsonl", event("e2", "u1", "view", 2, "2025-05-01T10:06:00Z")
        .replace("}", ",\"campaign\":\"spring\"}") + "\n");
    JobRun added = JobRun.of(new IngestStreamCommand(), conf.jobArgs());
    assertEquals(0, added.exitCode(), added.err());
    assertEquals("spring", rows("lake.sevo_dlo.web_events").get("e2").getAs("campaign"));

    TestConf strict = TestConf.create(dir.resolve("strict"), "sstrict")
        .tenantFile("streams.yaml", streams("web_events", "    schemaEvolution: fail\n"));
    strict.landingFile("events/a.jsonl", event("e1", "u1", "view", 1, "2025-05-01T10:05:00Z") + "\n");
    assertEquals(0, JobRun.of(new IngestStreamCommand(), strict.jobArgs()).exitCode());
    Long before = snapshotId("lake.sstrict_dlo.web_events");
    strict.landingFile("events/b.jsonl", event("e2", "u1", "view", 2, "2025-05-01T10:06:00Z")
        .replace("}", ",\"campaign\":\"spring\"}") + "\n");
    JobRun refused = JobRun.of(new IngestStreamCommand(), strict.jobArgs());
    assertEquals(2, refused.exitCode(), refused.out());
    assertTrue(refused.err().contains("undeclared column(s) [campaign]") && refused.err().contains("schemaEvolution"),
        refused.err());
    assertEquals(before, snapshotId("lake.sstrict_dlo.web_events"), "the DLO is untouched");
  }

  @Test
  void kafkaTopicWithSystemColumnsQuarantineAndResumeAfterABrokerRestart(@TempDir Path dir) throws Exception {
    try (KafkaBroker kafka = KafkaBroker.start(dir.resolve("kafka"), 3)) {
      TestConf conf = TestConf.create(dir, "skafka").tenantFile("streams.yaml", """
          streams:
            app_events:
              format: json
              kafka: {bootstrapServers: "%s", topic: app-events, startingOffsets: earliest}
              primaryKey: [event_id]
              lastModified: occurred_at
              streaming: {maxPerTrigger: 40}
          """.formatted(kafka.bootstrapServers()) + FIELDS);
      Map<String, Integer> latest = new TreeMap<>();
      produce(kafka, 0, 100, latest);
      try (KafkaProducer<String, String> p = producer(kafka)) {
        p.send(new ProducerRecord<>("app-events", "bad", "{\"event_id\":\"x1\",\"amount\":\"lots\"}")).get();
        p.send(new ProducerRecord<>("app-events", "bad", "not json")).get();
      }
      JobRun first = JobRun.of(new IngestStreamCommand(), conf.jobArgs("--run-id", "k1"));
      assertEquals(0, first.exitCode(), first.err() + first.out());
      assertTrue(first.summary().at("/details/app_events/batches").asLong() >= 3, "maxPerTrigger splits the backlog");
      check(latest);
      Row q = TestSpark.session().table("lake.skafka_dlo.quarantine").filter("raw_record = 'not json'").first();
      assertTrue(q.<String>getAs("source_file").startsWith("kafka://app-events/"), q.toString());
      assertTrue(q.<Long>getAs("source_offset") >= 0);
      Row any = TestSpark.session().table("lake.skafka_dlo.app_events").filter("event_id = 'e7'").first();
      assertEquals("u7", any.getAs("_kafka_key"));
      assertEquals("app-events", any.getAs("_kafka_topic"));
      assertTrue(any.<Long>getAs("_kafka_offset") >= 0 && any.getAs("_kafka_timestamp") != null);

      kafka.restart();
      produce(kafka, 100, 60, latest);
      JobRun second = JobRun.of(new IngestStreamCommand(), conf.jobArgs("--run-id", "k2"));
      assertEquals(0, second.exitCode(), second.err());
      assertEquals(60, second.summary().at("/rows_in").asLong(), "resumes from the checkpoint: only the new messages");
      check(latest);
    }
  }

  /** Messages i..i+n: keys cycle over 70 ids, so later messages update earlier ones. */
  static void produce(KafkaBroker kafka, int from, int n, Map<String, Integer> latest) throws Exception {
    try (KafkaProducer<String, String> p = producer(kafka)) {
      for (int i = from; i < from + n; i++) {
        String id = "e" + (i % 70);
        String at = java.time.Instant.parse("2025-05-01T00:00:00Z").plusSeconds(i).toString();
        p.send(new ProducerRecord<>("app-events", "u" + (i % 70), event(id, "u" + (i % 70), "view", i, at))).get();
        latest.put(id, i);
      }
    }
  }

  static KafkaProducer<String, String> producer(KafkaBroker kafka) {
    Properties props = new Properties();
    props.put("bootstrap.servers", kafka.bootstrapServers());
    props.put("key.serializer", StringSerializer.class.getName());
    props.put("value.serializer", StringSerializer.class.getName());
    props.put("acks", "all");
    return new KafkaProducer<>(props);
  }

  static void check(Map<String, Integer> latest) {
    Map<String, Row> rows = rows("lake.skafka_dlo.app_events");
    assertEquals(latest.keySet(), rows.keySet());
    latest.forEach((id, amount) -> assertEquals(amount, rows.get(id).<Integer>getAs("amount"), id));
    assertFalse(rows.containsKey("x1"));
  }
}
