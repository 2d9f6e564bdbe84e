package io.lakecdp.ingest;

import io.lakecdp.common.config.DataStream;
import io.lakecdp.common.config.FieldSpec;
import io.lakecdp.common.config.FieldType;
import io.lakecdp.common.job.InvalidInputException;
import io.lakecdp.common.lake.CommitKeys;
import io.lakecdp.common.lake.Lake;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Table;
import org.apache.iceberg.UpdateSchema;
import org.apache.iceberg.spark.SparkSchemaUtil;
import org.apache.iceberg.types.Type;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shape of a DLO table: declared fields, undeclared source columns kept as strings, and system
 * columns. Creates the table or evolves it (new columns, safe type widening); an incompatible type
 * change is refused before any data is written.
 */
final class DloSchema {
  static final String SOURCE_FILE = "_source_file";
  static final String INGESTED_AT = "_ingested_at";
  static final String RUN_ID = "_run_id";
  /** System columns of a DLO fed by Kafka: where each row's message came from. */
  static final Map<String, DataType> KAFKA_COLUMNS = kafkaColumns();
  private static final Logger LOG = LoggerFactory.getLogger(DloSchema.class);

  private DloSchema() {}

  static StructType sparkSchema(DataStream stream, List<String> extraColumns) {
    List<StructField> f = new ArrayList<>();
    for (FieldSpec spec : stream.fieldList()) {
      f.add(DataTypes.createStructField(spec.name(), spec.type(), true));
    }
    extraColumns.forEach(c -> f.add(DataTypes.createStructField(c, DataTypes.StringType, true)));
    if (stream.isKafka()) {
      KAFKA_COLUMNS.forEach((c, t) -> f.add(DataTypes.createStructField(c, t, true)));
    }
    f.add(DataTypes.createStructField(SOURCE_FILE, DataTypes.StringType, true));
    f.add(DataTypes.createStructField(INGESTED_AT, DataTypes.TimestampType, true));
    f.add(DataTypes.createStructField(RUN_ID, DataTypes.StringType, true));
    return new StructType(f.toArray(new StructField[0]));
  }

  private static Map<String, DataType> kafkaColumns() {
    Map<String, DataType> m = new LinkedHashMap<>();
    m.put("_kafka_key", DataTypes.StringType);
    m.put("_kafka_topic", DataTypes.StringType);
    m.put("_kafka_partition", DataTypes.IntegerType);
    m.put("_kafka_offset", DataTypes.LongType);
    m.put("_kafka_timestamp", DataTypes.TimestampType);
    return java.util.Collections.unmodifiableMap(m);
  }

  static Map<String, String> tableProperties(DataStream stream) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("format-version", "2");
    p.put("write.merge.mode", stream.mergeMode());
    p.put("write.update.mode", stream.mergeMode());
    p.put("write.delete.mode", stream.mergeMode());
    p.put(CommitKeys.PRIMARY_KEY, String.join(",", stream.primaryKey()));
    p.put(CommitKeys.REFRESH, stream.refresh().name().toLowerCase());
    p.putAll(LINEAGE_WITHOUT_STATISTICS);
    return p;
  }

  /**
   * The lineage columns repeat one long value per file or run: Parquet's min/max statistics cost two comparisons of
   * it per row, for bounds that Iceberg truncates to 16 characters (a path's or run id's common prefix), which prune
   * next to nothing. A DLO is created without them; one created before gets these properties at its next batch
   * (unless it sets them itself).
   */
  static final Map<String, String> LINEAGE_WITHOUT_STATISTICS = Map.of(
      "write.parquet.stats-enabled.column." + SOURCE_FILE, "false",
      "write.parquet.stats-enabled.column." + RUN_ID, "false");

  /** Creates the table, or adds missing columns and widens types; returns the changes made. */
  static List<String> ensure(SparkSession spark, Lake lake, String tableName, DataStream stream,
      List<String> extraColumns) {
    StructType wanted = sparkSchema(stream, extraColumns);
    List<String> changes = new ArrayList<>();
    if (!lake.exists(tableName)) {
      String props = tableProperties(stream).entrySet().stream()
          .map(e -> "'" + e.getKey() + "'='" + e.getValue() + "'").collect(java.util.stream.Collectors.joining(", "));
      spark.sql("CREATE TABLE IF NOT EXISTS " + tableName + " (" + wanted.toDDL() + ") USING iceberg TBLPROPERTIES (" + props + ")");
      changes.add("created " + tableName);
      return changes;
    }
    Table table = lake.table(tableName);
    StructType current = SparkSchemaUtil.convert(table.schema());
    UpdateSchema update = table.updateSchema();
    for (StructField field : wanted.fields()) {
      if (!List.of(current.fieldNames()).contains(field.name())) {
        update.addColumn(field.name(), SparkSchemaUtil.convert(field.dataType()));
        changes.add("added column " + field.name() + " " + field.dataType().simpleString());
        continue;
      }
      DataType have = current.apply(field.name()).dataType();
      if (have.equals(field.dataType())) {
        continue;
      }
      if (!FieldType.canPromote(have, field.dataType())) {
        throw new InvalidInputException("Stream " + stream.name() + ": field " + field.name() + " is "
            + have.simpleString() + " in table " + tableName + " but the stream now declares "
            + field.dataType().simpleString() + "; Iceberg cannot change that type in place, so nothing was written. "
            + "Keep the old type, or add a new field and map it instead.");
      }
      Type promoted = SparkSchemaUtil.convert(field.dataType());
      update.updateColumn(field.name(), (Type.PrimitiveType) promoted);
      changes.add("widened column " + field.name() + " to " + field.dataType().simpleString());
    }
    if (!changes.isEmpty()) {
      update.commit();
      LOG.info("Evolved {}: {}", tableName, changes);
    }
    Map<String, String> missing = new java.util.TreeMap<>(LINEAGE_WITHOUT_STATISTICS);
    missing.keySet().removeAll(table.properties().keySet());
    if (!missing.isEmpty()) {
      org.apache.iceberg.UpdateProperties properties = table.updateProperties();
      missing.forEach(properties::set);
      properties.commit();
      LOG.info("{}: set {} (a DLO created before lakecdp wrote lineage columns without statistics)", tableName, missing);
    }
    return changes;
  }
}
