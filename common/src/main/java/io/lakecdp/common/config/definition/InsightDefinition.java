package io.lakecdp.common.config.definition;

import io.lakecdp.common.config.ConfigException;
import io.lakecdp.common.config.ConfigFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One calculated insight: {@code conf/tenants/<t>/insights/<name>.sql}, a Spark SQL query over DMO
 * names (and the unified tables) whose header comments declare its columns:
 *
 * <pre>
 * -- description: lifetime spend per unified individual
 * -- dimensions: unified_id
 * -- measures: lifetime_spend, order_count
 * SELECT ... GROUP BY ...
 * </pre>
 *
 * Every output column is either a dimension (grouped by) or a measure (an aggregate).
 */
public record InsightDefinition(String name, Path file, String sql, List<String> dimensions, List<String> measures,
    String description) {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");
  private static final Pattern HEADER = Pattern.compile("^\\s*--\\s*([A-Za-z]+)\\s*:\\s*(.*?)\\s*$");
  private static final Set<String> KEYS = Set.of("description", "dimensions", "measures");

  /** Every {@code *.sql} file of the folder, by name; none when the folder does not exist. */
  public static List<InsightDefinition> loadAll(Path dir) {
    return ConfigFiles.list(dir, ".sql").stream().map(InsightDefinition::load).toList();
  }

  public static InsightDefinition load(Path file) {
    String where = file.toString();
    String name = ConfigFiles.baseName(file, ".sql");
    if (!NAME.matcher(name).matches()) {
      throw new ConfigException(where, "name", "insight name '" + name
          + "' must be lower case letters, digits and _ and start with a letter (it becomes a table name)");
    }
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException(where, "", "cannot read: " + e.getMessage());
    }
    List<String> dimensions = null;
    List<String> measures = null;
    String description = "";
    StringBuilder sql = new StringBuilder();
    for (String line : text.split("\r?\n")) {
      Matcher m = HEADER.matcher(line);
      if (m.matches() && KEYS.contains(m.group(1).toLowerCase(Locale.ROOT))) {
        String key = m.group(1).toLowerCase(Locale.ROOT);
        switch (key) {
          case "dimensions" -> dimensions = columns(where, key, m.group(2));
          case "measures" -> measures = columns(where, key, m.group(2));
          default -> description = m.group(2);
        }
        continue;
      }
      sql.append(line).append('\n');
    }
    String query = sql.toString().strip();
    while (query.endsWith(";")) {
      query = query.substring(0, query.length() - 1).strip();
    }
    if (query.isEmpty()) {
      throw new ConfigException(where, "sql", "no query after the header");
    }
    if (dimensions == null) {
      throw new ConfigException(where, "dimensions", "missing header line '-- dimensions: <column>, ...'");
    }
    if (measures == null || measures.isEmpty()) {
      throw new ConfigException(where, "measures", "missing header line '-- measures: <column>, ...'");
    }
    Set<String> both = new LinkedHashSet<>(dimensions);
    both.retainAll(measures);
    if (!both.isEmpty()) {
      throw new ConfigException(where, "measures", "column(s) declared both as dimension and measure: " + both);
    }
    return new InsightDefinition(name, file, query, dimensions, measures, description);
  }

  private static List<String> columns(String where, String key, String list) {
    List<String> out = new ArrayList<>();
    for (String c : list.split(",")) {
      String col = c.strip();
      if (col.isEmpty()) {
        continue;
      }
      if (!col.matches("[A-Za-z_][A-Za-z0-9_]*")) {
        throw new ConfigException(where, key, "'" + col + "' is not a column name");
      }
      if (out.contains(col)) {
        throw new ConfigException(where, key, "'" + col + "' is listed twice");
      }
      out.add(col);
    }
    return out;
  }
}
