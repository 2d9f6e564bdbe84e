package io.lakecdp.identity;

import io.lakecdp.common.config.YamlNode;
import io.lakecdp.common.normalize.Normalizer;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How an identity resolution run decides, read from a YAML file ({@code conf/tenants/<t>/identity-resolution.yaml},
 * or any file for {@code evaluate}): match rules, and/or comparisons whose weights are learned from the data
 * (Fellegi-Sunter). With comparisons, pairs whose match probability reaches {@code threshold} merge, match rules
 * force a merge and forbid rules prevent one; without them, the rules alone decide.
 *
 * @param maxCandidates retrieval hits taken per record in each block
 * @param maxBlockSize records of one retrieval block above which it is split by a second key
 * @param maxExactGroup records sharing one exact key above which the key is treated as a placeholder
 * @param maxClusterSize clusters above this size are not merged blindly: they are re-clustered on exact rules only
 *     (with comparisons: on their strongest links)
 * @param comparisons what learned weights compare; empty for a rules-only configuration
 * @param threshold the match probability at which a pair merges (with comparisons)
 * @param maxTrainingGroup records sharing a training key above which the key is not used to estimate m
 */
public record RuleSet(List<MatchRule> rules, int maxCandidates, int maxBlockSize, int maxExactGroup,
    int maxClusterSize, Reconciliation reconciliation, List<Comparison> comparisons, double threshold,
    int maxTrainingGroup) implements Serializable {

  public static RuleSet load(Path file) {
    YamlNode root = YamlNode.load(file).requireMap()
        .allowOnly(Set.of("rules", "maxCandidates", "maxBlockSize", "maxExactGroup", "maxClusterSize", "reconciliation",
            "comparisons", "threshold", "maxTrainingGroup"));
    List<Comparison> comparisons = root.get("comparisons").isMissing() ? List.of()
        : root.get("comparisons").mapItems(Comparison::read);
    if (comparisons.size() > MatchModel.MAX_COMPARISONS) {
      throw root.get("comparisons").error("at most " + MatchModel.MAX_COMPARISONS + " comparisons, found " + comparisons.size());
    }
    Set<String> comparisonNames = new HashSet<>();
    for (int i = 0; i < comparisons.size(); i++) {
      if (!comparisonNames.add(comparisons.get(i).name())) {
        throw root.get("comparisons").items().get(i).error("duplicate comparison name '" + comparisons.get(i).name() + "'");
      }
    }
    List<MatchRule> read = comparisons.isEmpty() || !root.get("rules").isMissing()
        ? root.required("rules").mapItems(MatchRule::read) : List.of();
    if (comparisons.isEmpty() && read.stream().noneMatch(r -> !r.forbids())) {
      throw root.get("rules").error("without comparisons, at least one rule must be a match rule");
    }
    double threshold = root.get("threshold").isMissing() ? 0.9 : Double.parseDouble(root.get("threshold").asString());
    if (!(threshold > 0 && threshold < 1)) {
      throw root.get("threshold").error("a match probability strictly between 0 and 1, found " + threshold);
    }
    if (comparisons.isEmpty() && !root.get("threshold").isMissing()) {
      throw root.get("threshold").error("threshold applies to comparisons (learned weights); this file has none");
    }
    Map<String, Normalizer> normalizers = new LinkedHashMap<>();
    for (MatchRule r : read) {
      for (MatchCriterion c : r.criteria()) {
        if (c.normalizer() != null) {
          normalizers.putIfAbsent(c.field(), c.normalizer());
        }
      }
    }
    for (Comparison c : comparisons) {
      for (int i = 0; i < c.fields().size(); i++) {
        normalizers.putIfAbsent(c.fields().get(i), c.kind().normalizer(i));
      }
    }
    List<MatchRule> rules = new ArrayList<>();
    for (MatchRule r : read) {
      rules.add(new MatchRule(r.name(), r.action(), r.criteria().stream()
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
        (int) root.get("maxClusterSize").asLong(100), Reconciliation.read(root.get("reconciliation")),
        List.copyOf(comparisons), threshold, (int) root.get("maxTrainingGroup").asLong(50));
  }

  /** Whether learned weights decide (comparisons are configured). */
  public boolean probabilistic() {
    return !comparisons.isEmpty();
  }

  /**
   * Every field the rules and comparisons use, with its normalizer (see {@link MatchCriterion#resolved}; a
   * comparison's fields take its kind's normalizers unless a rule named the field first).
   */
  public Map<String, Normalizer> fields() {
    Map<String, Normalizer> out = new LinkedHashMap<>();
    for (MatchRule r : rules) {
      for (MatchCriterion c : r.criteria()) {
        out.putIfAbsent(c.field(), c.normalizer());
      }
    }
    for (Comparison c : comparisons) {
      for (int i = 0; i < c.fields().size(); i++) {
        out.putIfAbsent(c.fields().get(i), c.kind().normalizer(i));
      }
    }
    for (MatchRule r : rules) {
      for (MatchCriterion c : r.criteria()) {
        if (c.swapWith() != null) {
          out.putIfAbsent(c.swapWith(), c.normalizer());
        }
      }
    }
    return out;
  }

  /** The input columns of a rule field: one, or the parts of a composite field such as {@code given_name+surname}. */
  public static List<String> columnsOf(String field) {
    return List.of(field.split("\\+"));
  }

  /**
   * Fields compared fuzzily by some match rule or comparison: what retrieval looks for by tokens
   * (names also by one-edit variants and nicknames). Other fields are retrieved on whole values.
   */
  public List<String> fuzzyFields() {
    List<String> out = new ArrayList<>();
    for (MatchRule r : rules) {
      for (MatchCriterion c : r.criteria()) {
        if (!r.forbids() && c.method() == MatchCriterion.Method.FUZZY && !out.contains(c.field())) {
          out.add(c.field());
        }
      }
    }
    for (Comparison c : comparisons) {
      if ((c.kind() == Comparison.Kind.NAME || c.kind() == Comparison.Kind.LOCATION) && !out.contains(c.fields().get(0))) {
        out.add(c.fields().get(0));
      }
    }
    return out;
  }

  /** Fields whose single values find candidates by exact equality (e-mails, phones, identifiers). */
  public List<String> exactKeyFields() {
    List<String> out = new ArrayList<>();
    for (Comparison c : comparisons) {
      if ((c.kind() == Comparison.Kind.EMAIL || c.kind() == Comparison.Kind.PHONE || c.kind() == Comparison.Kind.EXACT)
          && !out.contains(c.fields().get(0))) {
        out.add(c.fields().get(0));
      }
    }
    return out;
  }
}
