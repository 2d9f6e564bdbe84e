package io.lakecdp.common.config.definition;

import io.lakecdp.common.config.ConfigException;
import io.lakecdp.common.config.ConfigFiles;
import io.lakecdp.common.config.RefreshMode;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

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
  private static final Set<String> KEYS = Set.of("description", "output", "primarykey", "refresh", "streaming",
      "stream");

  /** Every {@code *.sql} file of the folder, in file-name order (the order they run in); none without the folder. */
  public static List<TransformDefinition> loadAll(Path dir) {
    return ConfigFiles.list(dir, ".sql").stream().map(TransformDefinition::load).toList();
  }

  public static TransformDefinition load(Path file) {
    SqlFile sql = SqlFile.read(file, "transform", "", KEYS);
    String where = sql.where();
    Map<String, String> header = sql.header();
    String output = header.getOrDefault("output", sql.name());
    List<String> key = header.containsKey("primarykey") ? SqlFile.columns(where, "primaryKey", header.get("primarykey")) : List.of();
    String refresh = header.containsKey("refresh")
        ? header.get("refresh").toLowerCase(Locale.ROOT).replace('-', '_') : null;
    String streamingText = header.getOrDefault("streaming", "false");
    if (!streamingText.equalsIgnoreCase("true") && !streamingText.equalsIgnoreCase("false")) {
      throw new ConfigException(where, "streaming", "expected true or false, found '" + streamingText + "'");
    }
    boolean streaming = Boolean.parseBoolean(streamingText);
    String stream = header.get("stream");
    String description = header.getOrDefault("description", "");
    if (!SqlFile.NAME.matcher(output).matches()) {
      throw new ConfigException(where, "output", "output DLO name '" + output
          + "' must be lower case letters, digits and _ and start with a letter (it names a table)");
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
    return new TransformDefinition(sql.name(), file, sql.query(), output, key, mode, streaming, stream, description);
  }
}
