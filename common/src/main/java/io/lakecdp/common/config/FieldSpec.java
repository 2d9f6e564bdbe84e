package io.lakecdp.common.config;

import java.util.Set;
import org.apache.spark.sql.types.DataType;

/**
 * One declared field of a data stream: its column name in the DLO, its type, the name it has in
 * the source (CSV header or JSON key, when different) and an optional date/time pattern; or, for a formula field,
 * the Spark SQL expression over the stream's source fields that computes it at ingest ({@code sourceName} null).
 *
 * @param formula the expression of a formula field, or null
 * @param origin where the field is declared ({@code file} and YAML path), for messages about its formula
 */
public record FieldSpec(String name, DataType type, String sourceName, String format, String formula,
    Origin origin) {
  private static final Set<String> KEYS = Set.of("type", "source", "format", "formula");

  /** Where in which file a field is declared. */
  public record Origin(String file, String path) implements java.io.Serializable {
    public ConfigException error(String problem) {
      return new ConfigException(file, path, problem);
    }
  }

  /** Whether the field is computed by a formula rather than read from the source. */
  public boolean isFormula() {
    return formula != null;
  }

  static FieldSpec read(String name, YamlNode node) {
    if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw node.error("field name '" + name + "' must be letters, digits and _ (not starting with a digit)");
    }
    if (name.startsWith("_")) {
      throw node.error("field name '" + name + "' is reserved: names starting with _ are system columns");
    }
    Origin origin = new Origin(node.file(), node.path());
    if (node.isScalar()) {
      return new FieldSpec(name, FieldType.parse(node), name, null, null, origin);
    }
    node.allowOnly(KEYS);
    YamlNode formula = node.get("formula");
    if (!formula.isMissing()) {
      for (String other : new String[] {"source", "format"}) {
        if (!node.get(other).isMissing()) {
          throw node.get(other).error("a formula field is computed, not read: it takes no '" + other + "'");
        }
      }
      String text = formula.asString();
      if (text == null || text.isBlank()) {
        throw formula.error("the formula is empty");
      }
      return new FieldSpec(name, FieldType.parse(node.required("type")), null, null, text,
          new Origin(formula.file(), formula.path()));
    }
    String format = node.get("format").asString(null);
    if (format != null) {
      try {
        java.time.format.DateTimeFormatter.ofPattern(format);
      } catch (IllegalArgumentException e) {
        throw node.get("format").error("invalid date/time pattern '" + format + "': " + e.getMessage());
      }
    }
    return new FieldSpec(name, FieldType.parse(node.required("type")), node.get("source").asString(name), format,
        null, origin);
  }
}
