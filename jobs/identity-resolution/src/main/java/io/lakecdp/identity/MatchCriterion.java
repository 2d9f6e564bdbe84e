package io.lakecdp.identity;

import io.lakecdp.common.config.YamlNode;
import io.lakecdp.common.normalize.Normalizer;
import java.io.Serializable;
import java.util.Set;

/**
 * One condition of a match rule: a field, how its two values are compared, and the normalizer applied
 * to both first.
 *
 * @param precision for {@code fuzzy}: high, medium or low. Text (names, addresses) needs a Jaro-Winkler
 *     similarity of at least 0.95, 0.90 or 0.85; codes, numbers and dates (normalizer none) at most 1, 2 or 3
 *     edits (insert, delete, substitute, swap two neighbours)
 * @param matchOnBlank whether two records match on this criterion when either value is blank
 * @param nicknames for name fields: equivalent given names (Bob/Robert) count as equal
 * @param initials for name fields: an initial matches a name that starts with it ("j" and "john")
 * @param swapWith for {@code different}: a second field; the values are not different when both records' values
 *     crossed over (each one's value close to the other's value of this field: first and last name swapped)
 */
public record MatchCriterion(String field, Method method, Precision precision, Normalizer normalizer,
    boolean matchOnBlank, boolean nicknames, boolean initials, String swapWith) implements Serializable {

  /**
   * {@code different} holds when both values are present and are not close at the given precision (not
   * equal, not nickname-equivalent, not an initial of each other when {@code initials} is set); {@code present}
   * when both records have a value at all. Both are for forbid rules.
   */
  public enum Method { EXACT, EXACT_NORMALIZED, FUZZY, DIFFERENT, PRESENT }

  public enum Precision {
    HIGH(0.95, 1), MEDIUM(0.90, 2), LOW(0.85, 3), LOOSE(0.75, 4);

    final double threshold;
    final int edits;

    Precision(double threshold, int edits) {
      this.threshold = threshold;
      this.edits = edits;
    }
  }

  private static final Set<String> KEYS = Set.of("field", "method", "precision", "normalizer", "matchOnBlank",
      "nicknames", "initials", "swapWith");

  static MatchCriterion read(YamlNode node) {
    node.allowOnly(KEYS);
    Method method = node.required("method").asEnum(Method.class, null);
    Normalizer normalizer = node.get("normalizer").asEnum(Normalizer.class, null);
    if (method == Method.EXACT && normalizer != null && normalizer != Normalizer.NONE) {
      throw node.get("normalizer").error("method exact compares raw values; use exact_normalized to normalize");
    }
    if (method != Method.FUZZY && method != Method.DIFFERENT && !node.get("precision").isMissing()) {
      throw node.get("precision").error("precision applies to methods fuzzy and different only");
    }
    if (method != Method.DIFFERENT && !node.get("swapWith").isMissing()) {
      throw node.get("swapWith").error("swapWith applies to method different only");
    }
    Boolean nicknames = node.get("nicknames").isMissing() ? null : node.get("nicknames").asBoolean(false);
    return new MatchCriterion(node.required("field").asString(), method,
        node.get("precision").asEnum(Precision.class, Precision.MEDIUM), normalizer,
        node.get("matchOnBlank").asBoolean(false), nicknames == null || nicknames, node.get("initials").asBoolean(false),
        node.get("swapWith").asString(null));
  }

  /**
   * The criterion with its field's normalizer (a field is normalized one way in a rule set: the first
   * normalizer named for it, else name for fuzzy and exact_normalized, none for exact). Nicknames apply
   * to name fields only.
   */
  MatchCriterion resolved(Normalizer fieldNormalizer) {
    return new MatchCriterion(field, method, precision, fieldNormalizer, matchOnBlank,
        nicknames && fieldNormalizer == Normalizer.NAME, initials, swapWith);
  }

  Normalizer defaultNormalizer() {
    return method == Method.EXACT ? Normalizer.NONE : Normalizer.NAME;
  }

  boolean exact() {
    return method == Method.EXACT || method == Method.EXACT_NORMALIZED;
  }
}
