package io.lakecdp.identity;

import io.lakecdp.common.config.YamlNode;
import java.io.Serializable;
import java.util.List;
import java.util.Set;

/**
 * A match rule: it holds for two records when every criterion holds. A {@code match} rule merges them
 * (rules are ORed, and with learned weights a match rule forces the match whatever the weights say);
 * a {@code forbid} rule keeps them apart whatever the weights or other rules say.
 */
public record MatchRule(String name, Action action, List<MatchCriterion> criteria) implements Serializable {
  public enum Action { MATCH, FORBID }

  static MatchRule read(YamlNode node) {
    node.allowOnly(Set.of("name", "match", "action"));
    String name = node.required("name").asString();
    List<MatchCriterion> criteria = node.required("match").mapItems(MatchCriterion::read);
    if (criteria.isEmpty()) {
      throw node.get("match").error("a rule needs at least one criterion");
    }
    return new MatchRule(name, node.get("action").asEnum(Action.class, Action.MATCH), List.copyOf(criteria));
  }

  boolean forbids() {
    return action == Action.FORBID;
  }
}
