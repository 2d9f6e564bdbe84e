package io.lakecdp.common.config.definition;

import io.lakecdp.common.config.ConfigException;
import io.lakecdp.common.config.ConfigFiles;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

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
  private static final Set<String> KEYS = Set.of("description", "dimensions", "measures");

  /** Every {@code *.sql} file of the folder, by name; none when the folder does not exist. */
  public static List<InsightDefinition> loadAll(Path dir) {
    return ConfigFiles.list(dir, ".sql").stream().map(InsightDefinition::load).toList();
  }

  public static InsightDefinition load(Path file) {
    SqlFile sql = SqlFile.read(file, "insight", " (it becomes a table name)", KEYS);
    String where = sql.where();
    List<String> dimensions = sql.header().containsKey("dimensions")
        ? SqlFile.columns(where, "dimensions", sql.header().get("dimensions")) : null;
    List<String> measures = sql.header().containsKey("measures")
        ? SqlFile.columns(where, "measures", sql.header().get("measures")) : null;
    String description = sql.header().getOrDefault("description", "");
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
    return new InsightDefinition(sql.name(), file, sql.query(), dimensions, measures, description);
  }
}
