package io.lakecdp.common.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A position inside a parsed YAML file: the node, the file it came from and the path to it
 * ("streams.crm.fields.age"). Every accessor validates and fails with a {@link ConfigException}
 * naming file, path and problem, so typed config classes stay free of error plumbing.
 */
public final class YamlNode {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern ENV_REF = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?}");

  private final JsonNode node;
  private final String file;
  private final String path;

  private YamlNode(JsonNode node, String file, String path) {
    this.node = node == null ? MissingNode.getInstance() : node;
    this.file = file;
    this.path = path;
  }

  /** Parses a file; a missing file or a YAML syntax error is a {@link ConfigException} with the line. */
  public static YamlNode load(Path file) {
    String name = file.toString();
    if (!Files.isRegularFile(file)) {
      throw new ConfigException(name, "", "file not found");
    }
    try {
      JsonNode root = YAML.readTree(Files.readString(file));
      return new YamlNode(root, name, "");
    } catch (JsonProcessingException e) {
      JsonLocation loc = e.getLocation();
      String where = loc == null ? "" : "line " + loc.getLineNr() + ", column " + loc.getColumnNr();
      throw new ConfigException(name, where, "YAML syntax error: " + e.getOriginalMessage().split("\n")[0]);
    } catch (IOException e) {
      throw new ConfigException(name, "", "cannot read file: " + e.getMessage());
    }
  }

  public String file() {
    return file;
  }

  public String path() {
    return path;
  }

  public boolean isMissing() {
    return node.isMissingNode() || node.isNull();
  }

  public boolean isMap() {
    return node.isObject();
  }

  public boolean isList() {
    return node.isArray();
  }

  public boolean isScalar() {
    return node.isValueNode() && !node.isNull();
  }

  public ConfigException error(String problem) {
    return new ConfigException(file, path, problem);
  }

  public YamlNode get(String key) {
    return new YamlNode(node.get(key), file, path.isEmpty() ? key : path + "." + key);
  }

  public YamlNode required(String key) {
    requireMap();
    YamlNode child = get(key);
    if (child.isMissing()) {
      throw child.error("required field is missing");
    }
    return child;
  }

  public YamlNode requireMap() {
    if (!node.isObject()) {
      throw error("expected a mapping (key: value), found " + describe());
    }
    return this;
  }

  /** Rejects keys outside {@code allowed}: a typo in a field name must not be silently ignored. */
  public YamlNode allowOnly(Set<String> allowed) {
    requireMap();
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!allowed.contains(key)) {
        throw get(key).error("unknown field '" + key + "' (allowed: " + String.join(", ", new java.util.TreeSet<>(allowed)) + ")");
      }
    }
    return this;
  }

  /** Children of a mapping, in file order. */
  public Map<String, YamlNode> entries() {
    Map<String, YamlNode> out = new LinkedHashMap<>();
    if (isMissing()) {
      return out;
    }
    requireMap();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      out.put(e.getKey(), get(e.getKey()));
    }
    return out;
  }

  /** Items of a list; a single scalar is read as a list of one. */
  public List<YamlNode> items() {
    List<YamlNode> out = new ArrayList<>();
    if (isMissing()) {
      return out;
    }
    if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        out.add(new YamlNode(node.get(i), file, path + "[" + i + "]"));
      }
    } else if (node.isValueNode()) {
      out.add(this);
    } else {
      throw error("expected a list, found " + describe());
    }
    return out;
  }

  public String asString() {
    if (!isScalar()) {
      throw error("expected a value, found " + describe());
    }
    return substituteEnv(node.asText());
  }

  public String asString(String fallback) {
    return isMissing() ? fallback : asString();
  }

  public List<String> asStringList() {
    List<String> out = new ArrayList<>();
    for (YamlNode item : items()) {
      out.add(item.asString());
    }
    return out;
  }

  public long asLong(long fallback) {
    if (isMissing()) {
      return fallback;
    }
    String text = asString();
    try {
      return Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      throw error("expected a whole number, found '" + text + "'");
    }
  }

  public boolean asBoolean(boolean fallback) {
    if (isMissing()) {
      return fallback;
    }
    String text = asString().trim().toLowerCase(java.util.Locale.ROOT);
    return switch (text) {
      case "true", "yes", "on" -> true;
      case "false", "no", "off" -> false;
      default -> throw error("expected true or false, found '" + text + "'");
    };
  }

  /** Reads a value that must be one of {@code choices} (compared case-insensitively, '-' and '_' alike). */
  public <E extends Enum<E>> E asEnum(Class<E> type, E fallback) {
    if (isMissing()) {
      return fallback;
    }
    String text = asString().trim();
    String wanted = text.replace('-', '_').toUpperCase(java.util.Locale.ROOT);
    for (E value : type.getEnumConstants()) {
      if (value.name().equals(wanted)) {
        return value;
      }
    }
    List<String> names = new ArrayList<>();
    for (E value : type.getEnumConstants()) {
      names.add(value.name().toLowerCase(java.util.Locale.ROOT));
    }
    throw error("unknown value '" + text + "' (expected one of: " + String.join(", ", names) + ")");
  }

  public Map<String, String> asStringMap() {
    Map<String, String> out = new LinkedHashMap<>();
    entries().forEach((k, v) -> out.put(k, v.asString()));
    return out;
  }

  public <T> List<T> mapItems(Function<YamlNode, T> reader) {
    List<T> out = new ArrayList<>();
    for (YamlNode item : items()) {
      out.add(reader.apply(item));
    }
    return out;
  }

  private String describe() {
    if (isMissing()) {
      return "nothing";
    }
    if (node.isArray()) {
      return "a list";
    }
    if (node.isObject()) {
      return "a mapping";
    }
    return "'" + node.asText() + "'";
  }

  /** ${VAR} and ${VAR:-default} in values are replaced from the environment (or system properties). */
  static String substituteEnv(String text) {
    if (text.indexOf("${") < 0) {
      return text;
    }
    Matcher m = ENV_REF.matcher(text);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String value = System.getenv(m.group(1));
      if (value == null || value.isEmpty()) {
        value = System.getProperty(m.group(1));
      }
      if (value == null || value.isEmpty()) {
        value = m.group(3) == null ? "" : m.group(3);
      }
      m.appendReplacement(sb, Matcher.quoteReplacement(value));
    }
    m.appendTail(sb);
    return sb.toString();
  }
}
