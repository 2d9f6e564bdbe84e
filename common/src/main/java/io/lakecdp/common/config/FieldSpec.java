package io.lakecdp.common.config;

import java.util.Set;
import org.apache.spark.sql.types.DataType;

/**
 * One declared field of a data stream: its column name in the DLO, its type, the name it has in
 * the source (CSV header or JSON key, when different) and an optional date/time pattern.
 */
public record FieldSpec(String name, DataType type, String sourceName, String format) {
  private static final Set<String> KEYS = Set.of("type", "source", "format");

  static FieldSpec read(String name, YamlNode node) {
    if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw node.error("field name '" + name + "' must be letters, digits and _ (not starting with a digit)");
    }
    if (name.startsWith("_")) {
      throw node.error("field name '" + name + "' is reserved: names starting with _ are system columns");
    }
    if (node.isScalar()) {
      return new FieldSpec(name, FieldType.parse(node), name, null);
    }
    node.allowOnly(KEYS);
    String format = node.get("format").asString(null);
    if (format != null) {
      try {
        java.time.format.DateTimeFormatter.ofPattern(format);
      } catch (IllegalArgumentException e) {
        throw node.get("format").error("invalid date/time pattern '" + format + "': " + e.getMessage());
      }
    }
    return new FieldSpec(name, FieldType.parse(node.required("type")), node.get("source").asString(name), format);
  }
}
