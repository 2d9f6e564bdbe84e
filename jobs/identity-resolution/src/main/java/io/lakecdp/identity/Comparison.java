package io.lakecdp.identity;

import io.lakecdp.common.config.YamlNode;
import io.lakecdp.common.normalize.Normalizer;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.commons.text.similarity.JaroWinklerSimilarity;

/**
 * One comparison of probabilistic matching: a profile field (or a few fields compared together) and a
 * kind whose ordered levels say how well two records agree on it. The first level that holds wins;
 * a value missing on either side gives {@link #MISSING} and weighs nothing. Multi-valued fields (every
 * e-mail of a party, joined by {@link #MULTI}) take the best level over all pairs of values.
 *
 * @param name what the trained model and the explanations call it
 * @param kind how the values are compared
 * @param fields the profile fields it reads; the first is the compared value, the others depend on the kind
 *     ({@code name}: an optional field to detect swapped names; {@code location}: street, postal code, city)
 * @param termFrequency whether exact agreement weighs by the value's rarity (exact level of single values)
 */
public record Comparison(String name, Kind kind, List<String> fields, boolean termFrequency) implements Serializable {
  public static final int MISSING = -1;
  /** Separates the values of a multi-valued field. */
  public static final String MULTI = "\u0003";
  /** The level of a name comparison whose two names are crossed over. */
  static final int NAME_SWAPPED = 5;
  private static final JaroWinklerSimilarity JARO_WINKLER = new JaroWinklerSimilarity();

  /** Comparison kinds, each with its levels (best first) and the normalizer of its fields. */
  public enum Kind {
    NAME(List.of("exact", "nickname", "jaro_winkler_0.92", "jaro_winkler_0.80", "initial", "swapped", "different"),
        true, 1, 2),
    DATE(List.of("exact", "one_day_or_edit", "two_edits_or_year", "different"), false, 1, 1),
    EMAIL(List.of("exact", "same_local_part", "same_local_part_of_names", "similar", "different"), false, 1, 3),
    PHONE(List.of("exact", "one_edit_or_last_7", "different"), false, 1, 1),
    LOCATION(List.of("street_and_place", "similar_street_and_place", "postal_code", "city_or_near_postal_code",
        "different"), false, 1, 3),
    CODE(List.of("exact", "one_edit", "different"), true, 1, 1),
    TEXT(List.of("exact", "jaro_winkler_0.90", "different"), true, 1, 1),
    EXACT(List.of("exact", "different"), true, 1, 1);

    final List<String> levels;
    final boolean termFrequencyByDefault;
    final int minFields;
    final int maxFields;

    Kind(List<String> levels, boolean termFrequencyByDefault, int minFields, int maxFields) {
      this.levels = levels;
      this.termFrequencyByDefault = termFrequencyByDefault;
      this.minFields = minFields;
      this.maxFields = maxFields;
    }

    public List<String> levels() {
      return levels;
    }

    /** The normalizer of the kind's i-th field. */
    Normalizer normalizer(int field) {
      return switch (this) {
        case NAME -> Normalizer.NAME;
        case DATE -> Normalizer.DATE;
        case EMAIL -> field == 0 ? Normalizer.EMAIL : Normalizer.NAME;
        case PHONE -> Normalizer.PHONE;
        case LOCATION -> field == 1 ? Normalizer.CODE : Normalizer.ADDRESS;
        case CODE -> Normalizer.CODE;
        case TEXT -> Normalizer.ADDRESS;
        case EXACT -> Normalizer.NONE;
      };
    }
  }

  private static final Set<String> KEYS = Set.of("name", "kind", "field", "fields", "termFrequency");

  static Comparison read(YamlNode node) {
    node.allowOnly(KEYS);
    Kind kind = node.required("kind").asEnum(Kind.class, null);
    List<String> fields;
    if (!node.get("fields").isMissing()) {
      if (!node.get("field").isMissing()) {
        throw node.get("field").error("give either field or fields, not both");
      }
      fields = node.get("fields").asStringList();
    } else {
      fields = List.of(node.required("field").asString());
    }
    if (fields.size() < kind.minFields || fields.size() > kind.maxFields) {
      throw node.get(node.get("fields").isMissing() ? "field" : "fields").error("a " + kind.name().toLowerCase(Locale.ROOT)
          + " comparison reads " + (kind.maxFields == 1 ? "one field" : kind.minFields + " to " + kind.maxFields + " fields")
          + ", found " + fields.size());
    }
    String name = node.get("name").asString(fields.get(0));
    return new Comparison(name, kind, List.copyOf(fields), node.get("termFrequency").asBoolean(kind.termFrequencyByDefault));
  }

  public int levelCount() {
    return kind.levels.size();
  }

  public String levelName(int level) {
    return level == MISSING ? "missing" : kind.levels.get(level);
  }

  /** Whether the value's frequency replaces u at the exact level (only single values have one frequency). */
  boolean usesTermFrequency() {
    return termFrequency && kind != Kind.LOCATION;
  }

  /**
   * The level of two records' normalized values.
   *
   * @param a the first record's values, {@code a[pos[i]]} being field i of this comparison
   */
  public int level(String[] a, String[] b, int[] pos) {
    String x = a[pos[0]];
    String y = b[pos[0]];
    switch (kind) {
      case NAME -> {
        if (x == null || y == null) {
          return MISSING;
        }
        int l = nameLevel(x, y);
        if (l == 6 && pos.length > 1) {
          String sx = a[pos[1]];
          String sy = b[pos[1]];
          // Both names crossed over: a one-sided likeness ("walker" given as a first name) is no swap.
          if (sx != null && sy != null && close(x, sy) && close(sx, y)) {
            return NAME_SWAPPED;
          }
        }
        return l;
      }
      case LOCATION -> {
        return locationLevel(a, b, pos);
      }
      case EMAIL -> {
        return emailLevel(a, b, pos);
      }
      default -> {
        if (x == null || y == null) {
          return MISSING;
        }
        int best = Integer.MAX_VALUE;
        for (String vx : x.split(MULTI)) {
          for (String vy : y.split(MULTI)) {
            if (!vx.isEmpty() && !vy.isEmpty()) {
              best = Math.min(best, singleLevel(vx, vy));
            }
          }
        }
        return best == Integer.MAX_VALUE ? MISSING : best;
      }
    }
  }

  private int singleLevel(String x, String y) {
    boolean same = x.equals(y);
    return switch (kind) {
      case DATE -> same ? 0 : dateLevel(x, y);
      case PHONE -> same ? 0 : PairScorer.withinEdits(x, y, 1) || lastDigits(x, 7).equals(lastDigits(y, 7)) ? 1 : 2;
      case CODE -> same ? 0 : PairScorer.withinEdits(x, y, 1) ? 1 : 2;
      case TEXT -> same ? 0 : JARO_WINKLER.apply(x, y) >= 0.90 ? 1 : 2;
      default -> same ? 0 : 1;
    };
  }

  /**
   * The best level over every pair of the two records' e-mails. The same local part (dots aside, as Gmail ignores
   * them) at another provider is {@code same_local_part}, unless that local part only spells the record's own names
   * on both sides (fields 2 and 3: first and last name), as {@code ann.lee@} does for Ann Lee: two namesakes are as
   * likely to have chosen it as one person, so once the names have counted it is weak evidence, and it gets a level
   * of its own ({@code same_local_part_of_names}, see {@link #nameLocalPartU}). A typo in the domain of the same
   * address stays {@code same_local_part}.
   */
  private static int emailLevel(String[] a, String[] b, int[] pos) {
    String x = a[pos[0]];
    String y = b[pos[0]];
    if (x == null || y == null) {
      return MISSING;
    }
    int best = Integer.MAX_VALUE;
    for (String vx : x.split(MULTI)) {
      for (String vy : y.split(MULTI)) {
        if (vx.isEmpty() || vy.isEmpty()) {
          continue;
        }
        int l = emailPairLevel(vx, vy);
        if (l == 1 && pos.length >= 3 && !PairScorer.withinEdits(domain(vx), domain(vy), 2)
            && spellsNames(local(vx), a[pos[1]], a[pos[2]], b[pos[1]])
            && spellsNames(local(vy), b[pos[1]], b[pos[2]], a[pos[1]])) {
          l = 2;
        }
        best = Math.min(best, l);
      }
    }
    return best == Integer.MAX_VALUE ? MISSING : best;
  }

  /**
   * Whether a local part spells the record's names, its given name also as the other record's when the two are
   * nicknames of each other ({@code lawrence.ford@} for a Larry Ford beside a Lawrence Ford).
   */
  private static boolean spellsNames(String local, String first, String last, String otherFirst) {
    if (namePattern(local, first, last) != null) {
      return true;
    }
    return first != null && otherFirst != null && !first.equals(otherFirst)
        && Nicknames.equivalent(firstToken(first), firstToken(otherFirst)) && namePattern(local, otherFirst, last) != null;
  }

  private static int emailPairLevel(String x, String y) {
    if (x.equals(y)) {
      return 0;
    }
    String lx = local(x);
    if (!lx.isEmpty() && lx.replace(".", "").equals(local(y).replace(".", ""))) {
      return 1;
    }
    return PairScorer.withinEdits(x, y, 2) || jaroWinklerAtLeast(x, y, 0.90) ? 3 : 4;
  }

  /** Whether the Jaro-Winkler similarity of two strings is at least {@code t}, computed only when the bound allows. */
  static boolean jaroWinklerAtLeast(String x, String y, double t) {
    return mayReachJaroWinkler(x, y, t) && JARO_WINKLER.apply(x, y) >= t;
  }

  /**
   * Whether the Jaro-Winkler similarity of two strings can reach {@code t}, from a bound that costs one pass over each:
   * Jaro's matching characters are at most the characters the two share (as multisets), its transposition term is at
   * most 1, and Winkler's bonus is 0.1 per character of the common prefix (at most 4). False only when the exact
   * similarity is below {@code t}; most pairs of different people's addresses are rejected here.
   */
  static boolean mayReachJaroWinkler(String x, String y, double t) {
    int[] counts = new int[128];
    for (int i = 0; i < x.length(); i++) {
      char c = x.charAt(i);
      if (c >= 128) {
        return true;
      }
      counts[c]++;
    }
    int common = 0;
    for (int i = 0; i < y.length(); i++) {
      char c = y.charAt(i);
      if (c >= 128) {
        return true;
      }
      if (counts[c] > 0) {
        counts[c]--;
        common++;
      }
    }
    if (common == 0) {
      return t <= 0;
    }
    double jaro = ((double) common / x.length() + (double) common / y.length() + 1) / 3;
    int prefix = 0;
    while (prefix < 4 && prefix < x.length() && prefix < y.length() && x.charAt(prefix) == y.charAt(prefix)) {
      prefix++;
    }
    return jaro + 0.1 * prefix * (1 - jaro) >= t - 1e-9;
  }

  private static String local(String email) {
    int at = email.indexOf('@');
    return at < 0 ? email : email.substring(0, at);
  }

  private static String domain(String email) {
    int at = email.indexOf('@');
    return at < 0 ? "" : email.substring(at + 1);
  }

  private static final List<String> SEPARATORS = List.of("", ".", "_", "-");

  /**
   * How an e-mail local part spells a person's normalized names ({@code F.L} for first.last, {@code IL} for initial
   * and last name, {@code L_F}, {@code F-I}, ...), or null when it holds anything else (digits, another word).
   */
  static String namePattern(String local, String first, String last) {
    if (local == null || first == null || last == null) {
      return null;
    }
    String f = first.replace(" ", "");
    String l = last.replace(" ", "");
    if (f.isEmpty() || l.isEmpty()) {
      return null;
    }
    for (String sep : SEPARATORS) {
      if (local.equals(f + sep + l)) {
        return "F" + sep + "L";
      }
      if (local.equals(l + sep + f)) {
        return "L" + sep + "F";
      }
      if (local.equals(f.charAt(0) + sep + l)) {
        return "I" + sep + "L";
      }
      if (local.equals(f + sep + l.charAt(0))) {
        return "F" + sep + "I";
      }
    }
    return null;
  }

  /**
   * u of {@code same_local_part_of_names}: how likely two different people who share their names (the only pairs
   * that can reach the level) have both chosen the same name-spelling local part. From a sample of records: the
   * share s of e-mail holders whose local part spells their names, and the shares q of each way of spelling them;
   * u = s² Σ q². Random pairs cannot measure it (they almost never share names), and the names' own weights have
   * already counted that the names agree: this is the e-mail's evidence given that.
   *
   * @param rows records laid out as the scorer reads them, field i at {@code offset + pos[i]}
   */
  double nameLocalPartU(List<String[]> rows, int[] pos, int offset) {
    long withEmail = 0;
    Map<String, Long> patterns = new HashMap<>();
    for (String[] r : rows) {
      String e = r[offset + pos[0]];
      if (e == null) {
        continue;
      }
      withEmail++;
      for (String v : e.split(MULTI)) {
        String p = namePattern(local(v), r[offset + pos[1]], r[offset + pos[2]]);
        if (p != null) {
          patterns.merge(p.replace(".", ""), 1L, Long::sum); // Gmail drops the dots: F.L and FL are one choice
          break;
        }
      }
    }
    long named = patterns.values().stream().mapToLong(Long::longValue).sum();
    if (withEmail == 0 || named == 0) {
      return Double.NaN;
    }
    double share = named / (double) withEmail;
    double same = 0;
    for (long n : patterns.values()) {
      same += (n / (double) named) * (n / (double) named);
    }
    return share * share * same;
  }

  static int nameLevel(String x, String y) {
    if (x.equals(y)) {
      return 0;
    }
    if (Nicknames.equivalent(firstToken(x), firstToken(y)) && !firstToken(x).equals(firstToken(y))) {
      return 1;
    }
    double jw = JARO_WINKLER.apply(x, y);
    if (jw >= 0.92 || tokensContained(x, y)) {
      return 2;
    }
    if (jw >= 0.80) {
      return 3;
    }
    if (PairScorer.isInitialOf(x, y)) {
      return 4;
    }
    return 6;
  }

  /** A name crossed over to the other field, spelled alike, as a nickname ("kate", "katherine") or as its initial. */
  private static boolean close(String x, String y) {
    return x.equals(y) || JARO_WINKLER.apply(x, y) >= 0.92 || Nicknames.equivalent(firstToken(x), firstToken(y))
        || PairScorer.isInitialOf(x, y);
  }

  /** "mary ann" and "mary", "de la cruz" and "cruz": every token of the shorter is a token of the longer. */
  private static boolean tokensContained(String x, String y) {
    if (x.indexOf(' ') < 0 && y.indexOf(' ') < 0) {
      return false;
    }
    List<String> tx = List.of(x.split(" "));
    List<String> ty = List.of(y.split(" "));
    return tx.size() <= ty.size() ? ty.containsAll(tx) : tx.containsAll(ty);
  }

  /** Dates as digits, {@code yyyymmdd} (or {@code yyyy} alone). */
  private static int dateLevel(String x, String y) {
    if (x.length() == 8 && y.length() == 8) {
      boolean swapped = x.substring(0, 4).equals(y.substring(0, 4)) && x.substring(4, 6).equals(y.substring(6, 8))
          && x.substring(6, 8).equals(y.substring(4, 6));
      if (swapped || PairScorer.withinEdits(x, y, 1) || daysApart(x, y) <= 1) {
        return 1;
      }
      return PairScorer.withinEdits(x, y, 2) ? 2 : 3;
    }
    if ((x.length() == 4 && y.startsWith(x)) || (y.length() == 4 && x.startsWith(y))) {
      return 2;
    }
    return PairScorer.withinEdits(x, y, 1) ? 1 : 3;
  }

  private static long daysApart(String x, String y) {
    try {
      java.time.LocalDate dx = java.time.LocalDate.parse(x, java.time.format.DateTimeFormatter.BASIC_ISO_DATE);
      java.time.LocalDate dy = java.time.LocalDate.parse(y, java.time.format.DateTimeFormatter.BASIC_ISO_DATE);
      return Math.abs(dx.toEpochDay() - dy.toEpochDay());
    } catch (java.time.format.DateTimeParseException e) {
      return Long.MAX_VALUE;
    }
  }

  /**
   * Street, postal code and city of every address of both records (aligned multi-values: the i-th street
   * belongs with the i-th postal code), the best level over pairs of addresses.
   */
  private static int locationLevel(String[] a, String[] b, int[] pos) {
    List<String[]> xs = addresses(a, pos);
    List<String[]> ys = addresses(b, pos);
    int best = Integer.MAX_VALUE;
    for (String[] x : xs) {
      for (String[] y : ys) {
        int l = addressLevel(x, y);
        if (l != MISSING) {
          best = Math.min(best, l);
        }
      }
    }
    return best == Integer.MAX_VALUE ? MISSING : best;
  }

  private static int addressLevel(String[] x, String[] y) {
    int[] agree = new int[3];
    boolean any = false;
    for (int i = 0; i < 3; i++) {
      if (x[i] == null || y[i] == null) {
        agree[i] = MISSING;
        continue;
      }
      any = true;
      agree[i] = x[i].equals(y[i]) ? 0
          : i == 0 ? (jaroWinklerAtLeast(x[i], y[i], 0.88) || tokensContained(x[i], y[i]) ? 1 : 2)
          : i == 1 ? (PairScorer.withinEdits(x[i], y[i], 1) ? 1 : 2)
          : (jaroWinklerAtLeast(x[i], y[i], 0.90) ? 1 : 2);
    }
    if (!any) {
      return MISSING;
    }
    int street = agree[0];
    int postal = agree[1];
    int city = agree[2];
    boolean placeAgrees = postal == 0 || (postal == MISSING && city != MISSING && city <= 1);
    boolean placeUnknown = postal == MISSING && city == MISSING;
    if (street == 0 && (placeAgrees || placeUnknown || postal == 1)) {
      return 0;
    }
    if (street == 1 && (placeAgrees || postal == 1)) {
      return 1;
    }
    if (postal == 0) {
      return 2;
    }
    if (city == 0 || postal == 1) {
      return 3;
    }
    return 4;
  }

  private static List<String[]> addresses(String[] r, int[] pos) {
    String[][] parts = new String[3][];
    int n = 0;
    for (int i = 0; i < 3; i++) {
      String v = i < pos.length ? r[pos[i]] : null;
      parts[i] = v == null ? new String[0] : v.split(MULTI, -1);
      n = Math.max(n, parts[i].length);
    }
    List<String[]> out = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      String[] address = new String[3];
      for (int i = 0; i < 3; i++) {
        String v = k < parts[i].length ? parts[i][k] : null;
        address[i] = v == null || v.isEmpty() ? null : v;
      }
      out.add(address);
    }
    return out;
  }

  private static String lastDigits(String s, int n) {
    return s.length() <= n ? s : s.substring(s.length() - n);
  }

  private static String firstToken(String s) {
    int space = s.indexOf(' ');
    return space < 0 ? s : s.substring(0, space);
  }
}
