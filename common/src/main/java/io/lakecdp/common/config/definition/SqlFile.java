package io.lakecdp.common.config.definition;

import io.lakecdp.common.config.ConfigException;
import io.lakecdp.common.config.ConfigFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A tenant's {@code <name>.sql} definition (an insight, a transform): header lines {@code -- key: value} for the keys
 * its kind knows, then one query. Other comment lines belong to the query.
 *
 * @param where the file, for errors
 * @param name the file's name without {@code .sql}: lower case letters, digits and _, starting with a letter
 * @param header the known header keys given, in lower case, with their values (the last line of a key wins)
 * @param query the query, without a trailing semicolon
 */
record SqlFile(String where, String name, Map<String, String> header, String query) {
  static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");
  private static final Pattern HEADER = Pattern.compile("^\\s*--\\s*([A-Za-z]+)\\s*:\\s*(.*?)\\s*$");

  /**
   * @param kind what the file defines, for errors (insight, transform)
   * @param nameUse why the name is restricted, appended to the error about it (may be empty)
   * @param keys the header keys of the kind, in lower case
   */
  static SqlFile read(Path file, String kind, String nameUse, Set<String> keys) {
    String where = file.toString();
    String name = ConfigFiles.baseName(file, ".sql");
    if (!NAME.matcher(name).matches()) {
      throw new ConfigException(where, "name", kind + " name '" + name
          + "' must be lower case letters, digits and _ and start with a letter" + nameUse);
    }
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException(where, "", "cannot read: " + e.getMessage());
    }
    Map<String, String> header = new LinkedHashMap<>();
    StringBuilder sql = new StringBuilder();
    for (String line : text.split("\r?\n")) {
      Matcher m = HEADER.matcher(line);
      String key = m.matches() ? m.group(1).toLowerCase(Locale.ROOT) : null;
      if (key != null && keys.contains(key)) {
        header.put(key, m.group(2));
      } else {
        sql.append(line).append('\n');
      }
    }
    String query = sql.toString().strip();
    while (query.endsWith(";")) {
      query = query.substring(0, query.length() - 1).strip();
    }
    if (query.isEmpty()) {
      throw new ConfigException(where, "sql", "no query after the header");
    }
    return new SqlFile(where, name, header, query);
  }

  /** The column names of a header value such as {@code a, b}: each a name, none twice. */
  static List<String> columns(String where, String field, String list) {
    List<String> out = new ArrayList<>();
    for (String c : list.split(",")) {
      String col = c.strip();
      if (col.isEmpty()) {
        continue;
      }
      if (!col.matches("[A-Za-z_][A-Za-z0-9_]*")) {
        throw new ConfigException(where, field, "'" + col + "' is not a column name");
      }
      if (out.contains(col)) {
        throw new ConfigException(where, field, "'" + col + "' is listed twice");
      }
      out.add(col);
    }
    return out;
  }
}
