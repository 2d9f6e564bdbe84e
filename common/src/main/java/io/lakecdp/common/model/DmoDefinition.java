package io.lakecdp.common.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A Data Model Object: a named, typed shape (Individual, ContactPointEmail, ...) that DLO fields are
 * mapped onto. {@code DataSourceId} and {@code DataSourceObjectId} are part of every DMO: together with
 * the primary key they identify the source record.
 *
 * @param category profile, engagement or other: tells later stages how to treat it
 */
public record DmoDefinition(String name, String category, List<String> primaryKey, Map<String, DmoField> fields) {
  public static final String DATA_SOURCE_ID = "DataSourceId";
  public static final String DATA_SOURCE_OBJECT_ID = "DataSourceObjectId";

  public DmoDefinition {
    primaryKey = List.copyOf(primaryKey);
    fields = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fields));
  }

  /** Builds a definition; the two data source fields are appended when absent. */
  public static DmoDefinition of(String name, String category, List<String> primaryKey, List<DmoField> fields) {
    Map<String, DmoField> map = new LinkedHashMap<>();
    for (DmoField f : fields) {
      map.put(f.name(), f);
    }
    map.putIfAbsent(DATA_SOURCE_ID, new DmoField(DATA_SOURCE_ID, DataTypes.StringType));
    map.putIfAbsent(DATA_SOURCE_OBJECT_ID, new DmoField(DATA_SOURCE_OBJECT_ID, DataTypes.StringType));
    return new DmoDefinition(name, category, primaryKey, map);
  }

  public StructType schema() {
    List<StructField> out = new ArrayList<>();
    fields.values().forEach(f -> out.add(DataTypes.createStructField(f.name(), f.type(), true)));
    return new StructType(out.toArray(new StructField[0]));
  }
}
