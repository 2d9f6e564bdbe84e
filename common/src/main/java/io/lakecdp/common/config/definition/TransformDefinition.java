package io.lakecdp.common.config.definition;

import io.lakecdp.common.config.ConfigException;
import io.lakecdp.common.config.ConfigFiles;
import io.lakecdp.common.config.RefreshMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One data transform: {@code conf/tenants/<t>/transforms/<name>.sql}, a Spark SQL query over the tenant's DLOs
 * (by stream name) and DMOs, materialized as the DLO {@code <tenant>_dlo.<output>} that mappings can use like any
 * other. Header comments declare the output:
 *
 * <pre>
 * -- description: one row per customer with their order totals
 * -- output: customer_orders          (default: the file name)
 * -- primaryKey: customer_id           (required for upsert)
 * -- refresh: upsert | full_refresh    (default: upsert with a primary key, full_refresh without)
 * -- streaming: true                   (optional: also applied to each micro-batch of its one stream)
 * -- stream: web_signups               (the stream a streaming transform reads)
 * SELECT ...
 * </pre>
 */
public record TransformDefinition(String name, Path file, String sql, String output, List<String> primaryKey,
    RefreshMode refresh, boolean streaming, String stream, String description) {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");
  private static final Pattern HEADER = Pattern.compile("^\\s*--\\s*([A-Za-z]+)\\s*:\\s*(.*?)\\s*$");
  private static final Set<String> KEYS = Set.of("description", "output", "primarykey", "refresh", "streaming",
      "stream");

  /** Every {@code *.sql} file of the folder, in file-name order (the order they run in); none without the folder. */
  public static List<TransformDefinition> loadAll(Path dir) {
    return ConfigFiles.list(dir, ".sql").stream().map(TransformDefinition::load).toList();
  }

  public static TransformDefinition load(Path file) {
    String where = file.toString();
    String name = ConfigFiles.baseName(file, ".sql");
    if (!NAME.matcher(name).matches()) {
      throw new ConfigException(where, "name", "transform name '" + name
          + "' must be lower case letters, digits and _ and start with a letter");
    }
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException(where, "", "cannot read: " + e.getMessage());
    }
    String output = name;
    List<String> key = List.of();
    String refresh = null;
    boolean streaming = false;
    String stream = null;
    String description = "";
    StringBuilder sql = new StringBuilder();
    for (String line : text.split("\r?\n")) {
      Matcher m = HEADER.matcher(line);
      if (m.matches() && KEYS.contains(m.group(1).toLowerCase(Locale.ROOT))) {
        String value = m.group(2);
        switch (m.group(1).toLowerCase(Locale.ROOT)) {
          case "output" -> output = value;
          case "primarykey" -> key = columns(where, value);
          case "refresh" -> refresh = value.toLowerCase(Locale.ROOT).replace('-', '_');
          case "streaming" -> {
            if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
              throw new ConfigException(where, "streaming", "expected true or false, found '" + value + "'");
            }
            streaming = Boolean.parseBoolean(value);
          }
          case "stream" -> stream = value;
          default -> description = value;
        }
        continue;
      }
      sql.append(line).append('\n');
    }
    if (!NAME.matcher(output).matches()) {
      throw new ConfigException(where, "output", "output DLO name '" + output
          + "' must be lower case letters, digits and _ and start with a letter (it names a table)");
    }
    String query = sql.toString().strip();
    while (query.endsWith(";")) {
      query = query.substring(0, query.length() - 1).strip();
    }
    if (query.isEmpty()) {
      throw new ConfigException(where, "sql", "no query after the header");
    }
    RefreshMode mode;
    if (refresh == null) {
      mode = key.isEmpty() ? RefreshMode.FULL_REFRESH : RefreshMode.UPSERT;
    } else if (refresh.equals("upsert")) {
      mode = RefreshMode.UPSERT;
    } else if (refresh.equals("full_refresh") || refresh.equals("full")) {
      mode = RefreshMode.FULL_REFRESH;
    } else {
      throw new ConfigException(where, "refresh", "unknown refresh '" + refresh + "' (expected upsert or full_refresh)");
    }
    if (mode == RefreshMode.UPSERT && key.isEmpty()) {
      throw new ConfigException(where, "primaryKey", "an upsert transform needs '-- primaryKey: <column>, ...'");
    }
    if (streaming && (stream == null || stream.isBlank())) {
      throw new ConfigException(where, "stream", "a streaming transform names the one stream it reads: "
          + "'-- stream: <stream name>'");
    }
    if (streaming && mode != RefreshMode.UPSERT) {
      throw new ConfigException(where, "refresh", "a streaming transform upserts each micro-batch's rows by its "
          + "primary key: declare '-- primaryKey: ...' (full_refresh cannot apply to a micro-batch)");
    }
    if (!streaming && stream != null) {
      throw new ConfigException(where, "stream", "'-- stream:' is for streaming transforms ('-- streaming: true')");
    }
    return new TransformDefinition(name, file, query, output, key, mode, streaming, stream, description);
  }

  private static List<String> columns(String where, String list) {
    List<String> out = new ArrayList<>();
    for (String c : list.split(",")) {
      String col = c.strip();
      if (col.isEmpty()) {
        continue;
      }
      if (!col.matches("[A-Za-z][A-Za-z0-9_]*")) {
        throw new ConfigException(where, "primaryKey", "'" + col + "' is not a column name");
      }
      if (out.contains(col)) {
        throw new ConfigException(where, "primaryKey", "'" + col + "' is listed twice");
      }
      out.add(col);
    }
    return out;
  }
}
