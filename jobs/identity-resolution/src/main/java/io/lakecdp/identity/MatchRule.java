package io.lakecdp.identity;

import io.lakecdp.common.config.YamlNode;
import java.io.Serializable;
import java.util.List;
import java.util.Set;

/** A match rule: two records match when every criterion holds. Rules of a rule set are ORed. */
public record MatchRule(String name, List<MatchCriterion> criteria) implements Serializable {
  static MatchRule read(YamlNode node) {
    node.allowOnly(Set.of("name", "match"));
    String name = node.required("name").asString();
    List<MatchCriterion> criteria = node.required("match").mapItems(MatchCriterion::read);
    if (criteria.isEmpty()) {
      throw node.get("match").error("a rule needs at least one criterion");
    }
    return new MatchRule(name, List.copyOf(criteria));
  }
}
