package io.lakecdp.common.config;

import io.lakecdp.common.lake.TenantTables;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.types.DataTypes;

/**
 * A data stream: where a source's records land, how to parse them, and how they change their Data
 * Lake Object (the Iceberg table {@code <tenant>_dlo.<name>}).
 *
 * @param path landing folder of the data files (absolute, or joined to the landing root)
 * @param deletesPath optional landing folder of files that list primary keys to delete
 * @param options format options: {@code delimiter}, {@code quote}, {@code escape} for CSV
 * @param streaming how the streaming ingest job reads it: a Kafka topic, or (without {@code kafka:}) the landing folder
 */
public record DataStream(
    String name,
    SourceFormat format,
    String path,
    RefreshMode refresh,
    List<String> primaryKey,
    String lastModified,
    String deleteFlag,
    String deletesPath,
    SourceFormat deletesFormat,
    SchemaEvolution schemaEvolution,
    long maxRecordBytes,
    Map<String, String> options,
    String mergeMode,
    Map<String, FieldSpec> fields,
    StreamingSource streaming) {

  private static final Set<String> KEYS = Set.of("format", "path", "refresh", "primaryKey",
      "lastModified", "deleteFlag", "deletes", "schemaEvolution", "maxRecordBytes", "options",
      "mergeMode", "fields", "description", "kafka", "streaming");
  private static final Set<String> CSV_OPTIONS = Set.of("delimiter", "quote", "escape");

  public DataStream {
    primaryKey = List.copyOf(primaryKey);
    options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
  }

  static DataStream read(String name, YamlNode node, String landingRoot) {
    if (!name.matches("[a-z][a-z0-9_]*")) {
      throw node.error("stream name '" + name + "' must be lower-case letters, digits and _ (it names a table)");
    }
    if (name.equals(TenantTables.QUARANTINE)) {
      throw node.error("stream name 'quarantine' is reserved for the quarantine table");
    }
    node.allowOnly(KEYS);
    SourceFormat format = node.required("format").asEnum(SourceFormat.class, null);
    boolean kafka = !node.get("kafka").isMissing();
    if (kafka && !node.get("path").isMissing()) {
      throw node.get("path").error("a stream reads either a landing folder (path) or a Kafka topic (kafka), not both");
    }
    if (kafka && format != SourceFormat.JSON) {
      throw node.get("format").error("Kafka record values are read as JSON: format must be json");
    }
    String path = kafka ? null : EnvConfig.resolvePath(java.nio.file.Path.of(landingRoot), node.required("path").asString());
    RefreshMode refresh = node.get("refresh").asEnum(RefreshMode.class, RefreshMode.UPSERT);

    Map<String, FieldSpec> fields = new LinkedHashMap<>();
    YamlNode fieldsNode = node.required("fields");
    fieldsNode.entries().forEach((fname, fnode) -> fields.put(fname, FieldSpec.read(fname, fnode)));
    if (fields.isEmpty()) {
      throw fieldsNode.error("a stream needs at least one field");
    }

    YamlNode pkNode = node.get("primaryKey");
    List<String> pk = pkNode.asStringList();
    if (refresh == RefreshMode.UPSERT && pk.isEmpty()) {
      throw pkNode.error("required field is missing: an upsert stream needs a primaryKey");
    }
    for (String key : pk) {
      if (!fields.containsKey(key)) {
        throw pkNode.error("primary key field '" + key + "' is not a declared field (declared: "
            + String.join(", ", fields.keySet()) + ")");
      }
      if (fields.get(key).isFormula()) {
        throw pkNode.error("primary key field '" + key + "' is a formula field: keys are read from the source "
            + "(delete files and exactly-once checks name them)");
      }
    }
    if (fields.values().stream().allMatch(FieldSpec::isFormula)) {
      throw fieldsNode.error("a stream needs at least one field read from the source (all are formulas)");
    }
    String lastModified = declaredField(node.get("lastModified"), fields, null);
    if (lastModified != null) {
      var type = fields.get(lastModified).type();
      if (!(type.equals(DataTypes.TimestampType) || type.equals(DataTypes.DateType)
          || type.equals(DataTypes.LongType) || type.equals(DataTypes.IntegerType))) {
        throw node.get("lastModified").error("field '" + lastModified
            + "' must be a timestamp, date, int or long to order versions, found " + type.simpleString());
      }
    }
    String deleteFlag = declaredField(node.get("deleteFlag"), fields, null);
    if (deleteFlag != null && !fields.get(deleteFlag).type().equals(DataTypes.BooleanType)) {
      throw node.get("deleteFlag").error("field '" + deleteFlag + "' must be of type boolean");
    }

    String deletesPath = null;
    SourceFormat deletesFormat = null;
    YamlNode deletes = node.get("deletes");
    if (!deletes.isMissing()) {
      deletes.allowOnly(Set.of("path", "format"));
      if (pk.isEmpty()) {
        throw deletes.error("delete files need the stream to declare a primaryKey");
      }
      deletesPath = EnvConfig.resolvePath(java.nio.file.Path.of(landingRoot), deletes.required("path").asString());
      deletesFormat = deletes.get("format").asEnum(SourceFormat.class, format);
    }

    Map<String, String> options = node.get("options").asStringMap();
    for (String key : options.keySet()) {
      if (!CSV_OPTIONS.contains(key)) {
        throw node.get("options").get(key).error("unknown option '" + key + "' (allowed: " + String.join(", ", CSV_OPTIONS) + ")");
      }
      if (options.get(key).length() != 1) {
        throw node.get("options").get(key).error("must be a single character, found '" + options.get(key) + "'");
      }
    }
    String mergeMode = node.get("mergeMode").asString("merge-on-read");
    if (!mergeMode.equals("merge-on-read") && !mergeMode.equals("copy-on-write")) {
      throw node.get("mergeMode").error("unknown value '" + mergeMode + "' (expected merge-on-read or copy-on-write)");
    }
    long maxBytes = node.get("maxRecordBytes").asLong(1L << 20);
    if (maxBytes <= 0) {
      throw node.get("maxRecordBytes").error("must be positive");
    }
    return new DataStream(name, format, path, refresh, pk, lastModified, deleteFlag, deletesPath,
        deletesFormat, node.get("schemaEvolution").asEnum(SchemaEvolution.class, SchemaEvolution.ADD_COLUMNS),
        maxBytes, options, mergeMode, fields, StreamingSource.read(node.get("kafka"), node.get("streaming"), fields));
  }

  private static String declaredField(YamlNode node, Map<String, FieldSpec> fields, String fallback) {
    if (node.isMissing()) {
      return fallback;
    }
    String name = node.asString();
    if (!fields.containsKey(name)) {
      throw node.error("field '" + name + "' is not a declared field (declared: " + String.join(", ", fields.keySet()) + ")");
    }
    return name;
  }

  /** Whether the stream is a Kafka topic (read only by the streaming ingest job). */
  public boolean isKafka() {
    return streaming != null && streaming.isKafka();
  }

  /** Declared fields in order. */
  public List<FieldSpec> fieldList() {
    return new ArrayList<>(fields.values());
  }

  /** Declared fields read from the source (not formulas), in order. */
  public List<FieldSpec> sourceFields() {
    return fields.values().stream().filter(f -> !f.isFormula()).toList();
  }

  /** Whether any field is a formula. */
  public boolean hasFormulas() {
    return fields.values().stream().anyMatch(FieldSpec::isFormula);
  }
}
