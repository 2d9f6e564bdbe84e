package io.lakecdp.common.normalize;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber;
import java.text.Normalizer.Form;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Value normalizers used by match rules. Each returns null for a blank or placeholder value, so
 * blanks never match unless a rule says so.
 */
public enum Normalizer {
  /** Trim and lower-case only. */
  NONE {
    @Override
    public String apply(String v) {
      return blankToNull(v == null ? null : v.trim().toLowerCase(Locale.ROOT));
    }
  },
  /** Accents folded, case, punctuation and salutations/suffixes removed. */
  NAME {
    @Override
    public String apply(String v) {
      String s = fold(v);
      if (s == null) {
        return null;
      }
      return placeholder(mapTokens(s, t -> NAME_NOISE.contains(t) ? null : t));
    }
  },
  /** Lower case; for Gmail addresses dots and +tags in the local part are dropped. */
  EMAIL {
    @Override
    public String apply(String v) {
      if (v == null) {
        return null;
      }
      String s = v.trim().toLowerCase(Locale.ROOT);
      int at = s.indexOf('@');
      if (at <= 0 || at != s.lastIndexOf('@') || at == s.length() - 1) {
        return null;
      }
      String local = s.substring(0, at);
      String domain = s.substring(at + 1);
      if (domain.equals("googlemail.com")) {
        domain = "gmail.com";
      }
      int plus = local.indexOf('+');
      if (plus > 0) {
        local = local.substring(0, plus);
      }
      if (domain.equals("gmail.com")) {
        local = local.replace(".", "");
      }
      if (PLACEHOLDER_EMAIL_LOCAL.contains(local)) {
        return null;
      }
      return local + "@" + domain;
    }
  },
  /** E.164 via libphonenumber (default region US); null when not a plausible number. */
  PHONE {
    @Override
    public String apply(String v) {
      return phone(v, "US");
    }
  },
  /** Dates as digits ({@code 1985-03-02} and {@code 1985/03/02} alike: {@code 19850302}). */
  DATE {
    @Override
    public String apply(String v) {
      if (v == null) {
        return null;
      }
      String digits = v.replaceAll("[^0-9]", "");
      return digits.length() < 4 || digits.chars().allMatch(c -> c == '0') ? null : digits;
    }
  },
  /** Codes (postal codes, identifiers): letters and digits only, lower case. */
  CODE {
    @Override
    public String apply(String v) {
      String s = fold(v);
      return s == null ? null : placeholder(s.replace(" ", ""));
    }
  },
  /** Folded, with common street-type abbreviations expanded to one form. */
  ADDRESS {
    @Override
    public String apply(String v) {
      String s = fold(v);
      if (s == null) {
        return null;
      }
      return placeholder(mapTokens(s, t -> STREET_TYPES.getOrDefault(t, t)));
    }
  };

  private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();
  private static final Pattern NON_ALNUM = Pattern.compile("[^a-z0-9]+");
  private static final Pattern MARKS = Pattern.compile("\\p{M}+");
  private static final Pattern PLACEHOLDER_PHONE = Pattern.compile("(\\d)\\1{6}|1234567|5550100");
  private static final Set<String> NAME_NOISE = Set.of("mr", "mrs", "ms", "miss", "dr", "prof", "sir", "jr", "sr",
      "ii", "iii", "iv", "phd", "md", "esq");
  private static final Set<String> PLACEHOLDERS = Set.of("unknown", "n a", "na", "none", "null", "test", "xxx",
      "noname", "no name", "tbd");
  private static final Set<String> PLACEHOLDER_EMAIL_LOCAL = Set.of("noreply", "no-reply", "donotreply", "test",
      "none", "unknown", "null", "na", "email");
  private static final Map<String, String> STREET_TYPES = Map.ofEntries(Map.entry("st", "street"),
      Map.entry("str", "street"), Map.entry("ave", "avenue"), Map.entry("av", "avenue"), Map.entry("rd", "road"),
      Map.entry("blvd", "boulevard"), Map.entry("dr", "drive"), Map.entry("ln", "lane"), Map.entry("ct", "court"),
      Map.entry("cres", "crescent"), Map.entry("cir", "circuit"), Map.entry("pl", "place"), Map.entry("hwy", "highway"),
      Map.entry("pde", "parade"), Map.entry("tce", "terrace"), Map.entry("apt", "apartment"), Map.entry("n", "north"),
      Map.entry("s", "south"), Map.entry("e", "east"), Map.entry("w", "west"));

  public abstract String apply(String value);

  /**
   * A phone number in E.164 form, read as dialled in {@code region} (ISO 3166 code, such as US or DE) unless it
   * starts with +; null when blank, not a possible number, or a placeholder such as 555-0100. Extensions are dropped.
   */
  public static String phone(String v, String region) {
    if (v == null || v.isBlank()) {
      return null;
    }
    try {
      Phonenumber.PhoneNumber n = PHONES.parse(v, region);
      if (!PHONES.isPossibleNumber(n)) {
        return null;
      }
      String e164 = PHONES.format(n, PhoneNumberUtil.PhoneNumberFormat.E164);
      return PLACEHOLDER_PHONE.matcher(e164.substring(e164.length() - 7)).matches() ? null : e164;
    } catch (NumberParseException e) {
      return null;
    }
  }

  /** Whether libphonenumber knows the region code (upper case, such as US). */
  public static boolean isPhoneRegion(String region) {
    return region != null && PHONES.getSupportedRegions().contains(region);
  }

  /**
   * The five-digit US ZIP code of a ZIP or ZIP+4 ({@code 02134-1234}, {@code 021341234}, {@code " 02134 "}); a
   * four-digit value is taken as a ZIP that lost its leading zero in a spreadsheet. Null for anything else.
   */
  public static String postalCode5(String v) {
    if (v == null) {
      return null;
    }
    String s = v.strip();
    if (s.matches("\\d{5}(?:[- ]?\\d{4})?")) {
      return s.substring(0, 5);
    }
    return s.matches("\\d{4}") ? "0" + s : null;
  }

  /**
   * The normalizer for a kind of value, as the SQL functions name it: {@code email}, {@code phone},
   * {@code address}, {@code name}, {@code date}, {@code code} (postal codes, identifiers) or {@code none}.
   */
  public static Normalizer forKind(String kind) {
    String k = kind == null ? "" : kind.strip().toLowerCase(Locale.ROOT);
    return switch (k) {
      case "email" -> EMAIL;
      case "phone" -> PHONE;
      case "address" -> ADDRESS;
      case "name" -> NAME;
      case "date" -> DATE;
      case "code", "postal_code" -> CODE;
      case "none" -> NONE;
      default -> throw new IllegalArgumentException("unknown kind '" + kind
          + "' (expected email, phone, address, name, date, code or none)");
    };
  }

  /** This normalizer applied to a string column (null where the value is blank or a placeholder). */
  public org.apache.spark.sql.Column column(org.apache.spark.sql.Column value) {
    Normalizer self = this;
    return org.apache.spark.sql.functions.udf((org.apache.spark.sql.api.java.UDF1<String, String>) self::apply,
        org.apache.spark.sql.types.DataTypes.StringType).apply(value);
  }

  /** Lower case, accents removed, anything but letters and digits turned into single spaces. */
  static String fold(String v) {
    if (v == null) {
      return null;
    }
    String s = MARKS.matcher(java.text.Normalizer.normalize(v, Form.NFD)).replaceAll("").toLowerCase(Locale.ROOT);
    s = s.replace("'", "");
    return blankToNull(NON_ALNUM.matcher(s).replaceAll(" ").trim());
  }

  /** The space-separated tokens of {@code s}, each mapped (null drops it), joined by single spaces. */
  private static String mapTokens(String s, java.util.function.UnaryOperator<String> fn) {
    StringBuilder out = new StringBuilder();
    for (String token : s.split(" ")) {
      String mapped = token.isEmpty() ? null : fn.apply(token);
      if (mapped != null) {
        if (out.length() > 0) {
          out.append(' ');
        }
        out.append(mapped);
      }
    }
    return out.toString();
  }

  private static String placeholder(String s) {
    return s.isEmpty() || PLACEHOLDERS.contains(s) ? null : s;
  }

  private static String blankToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
