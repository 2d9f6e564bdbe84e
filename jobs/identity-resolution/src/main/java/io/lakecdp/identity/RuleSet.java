package io.lakecdp.identity;

import io.lakecdp.common.config.YamlNode;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The match rules of an identity resolution run and the limits of candidate retrieval, read from a
 * YAML file ({@code conf/tenants/<t>/identity-resolution.yaml}, or any rules file for {@code evaluate}).
 *
 * @param maxCandidates Lucene hits taken per record
 * @param maxBlockSize records of one retrieval block above which it is split by a second key
 * @param maxExactGroup records sharing one exact key above which the key is treated as a placeholder
 * @param maxClusterSize clusters above this size are not merged blindly: they are re-clustered on exact rules only
 */
public record RuleSet(List<MatchRule> rules, int maxCandidates, int maxBlockSize, int maxExactGroup,
    int maxClusterSize, Reconciliation reconciliation) implements Serializable {

  public static RuleSet load(Path file) {
    YamlNode root = YamlNode.load(file).requireMap()
        .allowOnly(Set.of("rules", "maxCandidates", "maxBlockSize", "maxExactGroup", "maxClusterSize", "reconciliation"));
    List<MatchRule> read = root.required("rules").mapItems(MatchRule::read);
    Map<String, Normalizer> normalizers = new LinkedHashMap<>();
    for (MatchRule r : read) {
      for (MatchCriterion c : r.criteria()) {
        if (c.normalizer() != null) {
          normalizers.putIfAbsent(c.field(), c.normalizer());
        }
      }
    }
    List<MatchRule> rules = new ArrayList<>();
    for (MatchRule r : read) {
      rules.add(new MatchRule(r.name(), r.criteria().stream()
          .map(c -> c.resolved(normalizers.computeIfAbsent(c.field(), f -> c.defaultNormalizer()))).toList()));
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < rules.size(); i++) {
      if (!names.add(rules.get(i).name())) {
        throw root.get("rules").items().get(i).get("name").error("duplicate rule name '" + rules.get(i).name() + "'");
      }
    }
    return new RuleSet(List.copyOf(rules), (int) root.get("maxCandidates").asLong(20),
        (int) root.get("maxBlockSize").asLong(5_000), (int) root.get("maxExactGroup").asLong(100),
        (int) root.get("maxClusterSize").asLong(100), Reconciliation.read(root.get("reconciliation")));
  }

  /** Every field the rules use, with its normalizer (see {@link MatchCriterion#resolved}). */
  public Map<String, Normalizer> fields() {
    Map<String, Normalizer> out = new LinkedHashMap<>();
    for (MatchRule r : rules) {
      for (MatchCriterion c : r.criteria()) {
        out.putIfAbsent(c.field(), c.normalizer());
      }
    }
    return out;
  }

  /** The input columns of a rule field: one, or the parts of a composite field such as {@code given_name+surname}. */
  public static List<String> columnsOf(String field) {
    return List.of(field.split("\\+"));
  }

  /** Fields compared fuzzily by some rule: what the Lucene index retrieves on. */
  public List<String> fuzzyFields() {
    List<String> out = new ArrayList<>();
    for (MatchRule r : rules) {
      for (MatchCriterion c : r.criteria()) {
        if (!c.exact() && !out.contains(c.field())) {
          out.add(c.field());
        }
      }
    }
    return out;
  }
}
