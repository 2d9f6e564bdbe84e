package io.lakecdp.common.normalize;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Splits a person's full name as written into salutation, first, middle, last and suffix. It reads "First Last",
 * "Last, First", "First M. Last", a leading salutation ("Mrs.", "Dr", ...), trailing suffixes ("Jr.", "III", "PhD",
 * also after a comma), surnames with particles ("de la Cruz", "van der Berg", "bin Laden") and hyphens or
 * apostrophes ("Smith-Jones", "O'Brien"), in any case and with any spacing. The parts keep the spelling of the input
 * (only whitespace is collapsed); blank or missing parts are null.
 */
public final class NamePart {
  /** The parts a caller may ask for. */
  public static final List<String> PARTS = List.of("salutation", "first", "middle", "last", "suffix");

  private static final Set<String> SALUTATIONS = Set.of("mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame",
      "rev", "fr", "madam", "mme", "mlle", "herr", "frau", "sr", "sra", "srta");
  private static final Set<String> SUFFIXES = Set.of("jr", "sr", "ii", "iii", "iv", "v", "phd", "md", "esq", "dds",
      "jnr", "snr", "cpa", "rn");
  private static final Set<String> PARTICLES = Set.of("de", "del", "della", "der", "den", "di", "da", "das", "dos",
      "du", "la", "le", "van", "von", "ter", "ten", "bin", "binti", "al", "el", "st", "ste", "vander");

  /** The five parts of one name. */
  public record Parts(String salutation, String first, String middle, String last, String suffix) {
    /** One part by name ({@link #PARTS}). */
    public String get(String part) {
      return switch (part.toLowerCase(Locale.ROOT)) {
        case "salutation" -> salutation;
        case "first" -> first;
        case "middle" -> middle;
        case "last" -> last;
        case "suffix" -> suffix;
        default -> throw new IllegalArgumentException("unknown name part '" + part + "' (expected one of "
            + String.join(", ", PARTS) + ")");
      };
    }
  }

  private NamePart() {}

  /** One part of {@code fullName}, or null when the name is blank or has no such part. */
  public static String of(String fullName, String part) {
    if (part == null) {
      return null;
    }
    return split(fullName).get(part);
  }

  /** All parts of {@code fullName} (all null when it is blank). */
  public static Parts split(String fullName) {
    if (fullName == null || fullName.isBlank()) {
      return new Parts(null, null, null, null, null);
    }
    List<String> suffixes = new ArrayList<>();
    List<String> chunks = new ArrayList<>();
    for (String chunk : fullName.split(",")) {
      List<String> tokens = tokens(chunk);
      if (!tokens.isEmpty() && chunks.size() > 0 && tokens.stream().allMatch(NamePart::isSuffix)) {
        suffixes.addAll(tokens);  // "Ann Lee, Jr." or "Lee, Ann, PhD"
      } else if (!tokens.isEmpty()) {
        chunks.add(String.join(" ", tokens));
      }
    }
    if (chunks.isEmpty()) {
      return new Parts(null, null, null, null, suffixes.isEmpty() ? null : String.join(" ", suffixes));
    }
    List<String> salutation = new ArrayList<>();
    List<String> given;
    List<String> family;
    if (chunks.size() >= 2) {
      // "Last, First Middle" (a salutation may stand before either part)
      family = new ArrayList<>(tokens(chunks.get(0)));
      takeSalutations(family, salutation);
      given = new ArrayList<>(tokens(String.join(" ", chunks.subList(1, chunks.size()))));
      takeSalutations(given, salutation);
      takeSuffixes(given, suffixes);
      takeSuffixes(family, suffixes);
    } else {
      List<String> tokens = new ArrayList<>(tokens(chunks.get(0)));
      takeSalutations(tokens, salutation);
      takeSuffixes(tokens, suffixes);
      if (tokens.isEmpty()) {
        given = List.of();
        family = List.of();
      } else if (tokens.size() == 1) {
        // a lone word after a salutation is a surname ("Mr. Lee"), otherwise a given name ("Madonna")
        given = salutation.isEmpty() ? tokens : List.of();
        family = salutation.isEmpty() ? List.of() : tokens;
      } else {
        int start = tokens.size() - 1;
        while (start > 1 && PARTICLES.contains(bare(tokens.get(start - 1)))) {
          start--;
        }
        given = tokens.subList(0, start);
        family = tokens.subList(start, tokens.size());
      }
    }
    String first = given.isEmpty() ? null : given.get(0);
    String middle = given.size() > 1 ? String.join(" ", given.subList(1, given.size())) : null;
    return new Parts(join(salutation), first, middle, join(family), join(suffixes));
  }

  private static void takeSalutations(List<String> tokens, List<String> into) {
    while (tokens.size() > 1 && SALUTATIONS.contains(bare(tokens.get(0)))) {
      into.add(tokens.remove(0));
    }
  }

  private static void takeSuffixes(List<String> tokens, List<String> into) {
    List<String> found = new ArrayList<>();
    while (tokens.size() > 2 && isSuffix(tokens.get(tokens.size() - 1))
        || tokens.size() == 2 && isSuffix(tokens.get(1)) && !isRomanOnly(tokens.get(1))) {
      found.add(0, tokens.remove(tokens.size() - 1));
    }
    into.addAll(0, found);
  }

  /** "V" or "II" after one other word is likelier an initial or a surname than a suffix. */
  private static boolean isRomanOnly(String token) {
    return bare(token).matches("[iv]+");
  }

  private static boolean isSuffix(String token) {
    return SUFFIXES.contains(bare(token));
  }

  /** Lower case without dots: "Mrs." and "MRS" alike are "mrs". */
  private static String bare(String token) {
    return token.replace(".", "").toLowerCase(Locale.ROOT);
  }

  private static List<String> tokens(String s) {
    String trimmed = s.strip();
    return trimmed.isEmpty() ? List.of() : Arrays.asList(trimmed.split("\\s+"));
  }

  private static String join(List<String> tokens) {
    return tokens.isEmpty() ? null : String.join(" ", tokens);
  }
}
