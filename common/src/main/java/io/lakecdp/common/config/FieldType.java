package io.lakecdp.common.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;

/** The column types a data stream or DMO may declare, by the names users write in YAML. */
public final class FieldType {
  public static final String NAMES =
      "string, int, long, double, float, boolean, date, timestamp, decimal(p,s)";
  private static final Pattern DECIMAL = Pattern.compile("decimal\\s*\\(\\s*(\\d+)\\s*,\\s*(\\d+)\\s*\\)");

  private FieldType() {}

  /** Returns the Spark type for a type name, or null when the name is not one of {@link #NAMES}. */
  public static DataType parse(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    switch (n) {
      case "string", "text" -> {
        return DataTypes.StringType;
      }
      case "int", "integer" -> {
        return DataTypes.IntegerType;
      }
      case "long", "bigint" -> {
        return DataTypes.LongType;
      }
      case "double" -> {
        return DataTypes.DoubleType;
      }
      case "float" -> {
        return DataTypes.FloatType;
      }
      case "boolean", "bool" -> {
        return DataTypes.BooleanType;
      }
      case "date" -> {
        return DataTypes.DateType;
      }
      case "timestamp" -> {
        return DataTypes.TimestampType;
      }
      default -> {
        Matcher m = DECIMAL.matcher(n);
        if (m.matches()) {
          int precision = Integer.parseInt(m.group(1));
          int scale = Integer.parseInt(m.group(2));
          if (precision < 1 || precision > 38 || scale > precision) {
            return null;
          }
          return new DecimalType(precision, scale);
        }
        return null;
      }
    }
  }

  public static DataType parse(YamlNode node) {
    String name = node.asString();
    DataType type = parse(name);
    if (type == null) {
      throw node.error("unknown type '" + name + "' (expected one of: " + NAMES + ")");
    }
    return type;
  }

  /** Whether an existing column of type {@code from} can be widened in place to {@code to} (Iceberg's promotions). */
  public static boolean canPromote(DataType from, DataType to) {
    if (from.equals(to)) {
      return true;
    }
    if (from.equals(DataTypes.IntegerType) && to.equals(DataTypes.LongType)) {
      return true;
    }
    if (from.equals(DataTypes.FloatType) && to.equals(DataTypes.DoubleType)) {
      return true;
    }
    if (from instanceof DecimalType f && to instanceof DecimalType t) {
      return f.scale() == t.scale() && t.precision() >= f.precision();
    }
    return false;
  }
}
