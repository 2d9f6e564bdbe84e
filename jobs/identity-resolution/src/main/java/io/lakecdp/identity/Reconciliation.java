package io.lakecdp.identity;

import io.lakecdp.common.config.YamlNode;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How each unified field picks its value among a cluster's source records: {@code last_updated},
 * {@code most_frequent} or {@code source_priority} (an ordered list of data sources), each ignoring
 * empty values unless told otherwise. A default plus per-field overrides.
 */
public record Reconciliation(Rule defaults, Map<String, Rule> fields) implements Serializable {
  public enum Method { LAST_UPDATED, MOST_FREQUENT, SOURCE_PRIORITY }

  public record Rule(Method method, boolean ignoreEmpty, List<String> sources) implements Serializable {
    static Rule read(YamlNode node) {
      node.allowOnly(Set.of("rule", "ignoreEmpty", "sources"));
      Method m = node.required("rule").asEnum(Method.class, null);
      List<String> sources = node.get("sources").asStringList();
      if (m == Method.SOURCE_PRIORITY && sources.isEmpty()) {
        throw node.get("sources").error("source_priority needs the ordered list of sources");
      }
      return new Rule(m, node.get("ignoreEmpty").asBoolean(true), List.copyOf(sources));
    }
  }

  public static final Reconciliation DEFAULT = new Reconciliation(new Rule(Method.LAST_UPDATED, true, List.of()), Map.of());

  static Reconciliation read(YamlNode node) {
    if (node.isMissing()) {
      return DEFAULT;
    }
    node.allowOnly(Set.of("default", "fields"));
    Rule defaults = node.get("default").isMissing() ? DEFAULT.defaults() : Rule.read(node.get("default"));
    Map<String, Rule> fields = new LinkedHashMap<>();
    node.get("fields").entries().forEach((field, rule) -> fields.put(field, Rule.read(rule)));
    return new Reconciliation(defaults, fields);
  }

  public Rule forField(String field) {
    return fields.getOrDefault(field, defaults);
  }
}
