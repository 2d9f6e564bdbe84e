package io.lakecdp.common.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * How the streaming ingest job reads a data stream: a Kafka topic ({@code kafka:} in streams.yaml) or the stream's
 * landing folder, with optional per-trigger limits, a checkpoint location and a windowed insight.
 *
 * @param bootstrapServers Kafka brokers (null for a landing-folder stream)
 * @param kafkaOptions further Kafka source options, passed as {@code kafka.<name>} (security settings and the like)
 * @param maxPerTrigger at most this many files (folder) or offsets (Kafka) per micro-batch; 0 means no limit
 * @param checkpoint checkpoint folder (default: under the warehouse, per tenant and stream)
 * @param insight optional events-per-window count maintained from every micro-batch (null for none)
 */
public record StreamingSource(
    String bootstrapServers,
    String topic,
    String startingOffsets,
    Map<String, String> kafkaOptions,
    long maxPerTrigger,
    String checkpoint,
    WindowedInsight insight) {

  /** Events per key and time window, e.g. events per individual per hour, kept in {@code <tenant>_cio.<name>}. */
  public record WindowedInsight(String name, String key, String timestamp, String window) {}

  private static final Set<String> KAFKA_KEYS = Set.of("bootstrapServers", "topic", "startingOffsets", "options");
  private static final Set<String> STREAMING_KEYS = Set.of("maxPerTrigger", "checkpoint", "insight");

  public StreamingSource {
    kafkaOptions = Collections.unmodifiableMap(new LinkedHashMap<>(kafkaOptions));
  }

  public boolean isKafka() {
    return bootstrapServers != null;
  }

  /** Reads the {@code kafka:} and {@code streaming:} sections of a stream (either may be missing). */
  static StreamingSource read(YamlNode kafka, YamlNode streaming, Map<String, FieldSpec> fields) {
    String servers = null;
    String topic = null;
    String starting = "earliest";
    Map<String, String> options = Map.of();
    if (!kafka.isMissing()) {
      kafka.allowOnly(KAFKA_KEYS);
      servers = kafka.required("bootstrapServers").asString();
      topic = kafka.required("topic").asString();
      starting = kafka.get("startingOffsets").asString("earliest");
      if (!starting.equals("earliest") && !starting.equals("latest") && !starting.startsWith("{")) {
        throw kafka.get("startingOffsets").error("must be earliest, latest or a JSON offsets object, found '" + starting + "'");
      }
      options = kafka.get("options").asStringMap();
    }
    long max = 0;
    String checkpoint = null;
    WindowedInsight insight = null;
    if (!streaming.isMissing()) {
      streaming.allowOnly(STREAMING_KEYS);
      max = streaming.get("maxPerTrigger").asLong(0);
      if (max < 0) {
        throw streaming.get("maxPerTrigger").error("must be 0 (no limit) or positive");
      }
      checkpoint = streaming.get("checkpoint").asString(null);
      YamlNode i = streaming.get("insight");
      if (!i.isMissing()) {
        i.allowOnly(Set.of("name", "key", "timestamp", "window"));
        String name = i.required("name").asString();
        if (!name.matches("[a-z][a-z0-9_]{0,62}")) {
          throw i.get("name").error("insight name '" + name + "' must be lower case letters, digits and _");
        }
        String key = i.required("key").asString();
        String ts = i.required("timestamp").asString();
        for (var e : Map.of("key", key, "timestamp", ts).entrySet()) {
          if (!fields.containsKey(e.getValue())) {
            throw i.get(e.getKey()).error("field '" + e.getValue() + "' is not a declared field of the stream");
          }
        }
        if (!fields.get(ts).type().equals(org.apache.spark.sql.types.DataTypes.TimestampType)) {
          throw i.get("timestamp").error("field '" + ts + "' must be a timestamp");
        }
        String window = i.get("window").asString("1 hour");
        if (!window.matches("\\d+\\s+(second|minute|hour|day)s?")) {
          throw i.get("window").error("window '" + window + "' must look like '1 hour', '15 minutes' or '1 day'");
        }
        insight = new WindowedInsight(name, key, ts, window);
      }
    }
    return new StreamingSource(servers, topic, starting, options, max, checkpoint, insight);
  }
}
