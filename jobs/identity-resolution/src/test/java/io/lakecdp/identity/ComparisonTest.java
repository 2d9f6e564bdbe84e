package io.lakecdp.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Each comparison kind's levels, on normalized values (the first level that holds wins). */
class ComparisonTest {
  private static int level(Comparison.Kind kind, String[] a, String[] b) {
    int[] pos = new int[a.length];
    for (int i = 0; i < pos.length; i++) {
      pos[i] = i;
    }
    List<String> fields = java.util.stream.IntStream.range(0, a.length).mapToObj(i -> "f" + i).toList();
    return new Comparison("c", kind, fields, false).level(a, b, pos);
  }

  private static String level(Comparison.Kind kind, String a, String b) {
    int l = level(kind, new String[] {a}, new String[] {b});
    return l == Comparison.MISSING ? "missing" : kind.levels().get(l);
  }

  @Test
  void names() {
    assertEquals("exact", level(Comparison.Kind.NAME, "robert", "robert"));
    assertEquals("nickname", level(Comparison.Kind.NAME, "bob", "robert"));
    assertEquals("jaro_winkler_0.92", level(Comparison.Kind.NAME, "catherine", "catharine"));
    assertEquals("jaro_winkler_0.92", level(Comparison.Kind.NAME, "mary ann", "mary"), "one name's tokens within the other's");
    assertEquals("jaro_winkler_0.80", level(Comparison.Kind.NAME, "kristina", "christina"));
    assertEquals("initial", level(Comparison.Kind.NAME, "j", "jennifer"));
    assertEquals("different", level(Comparison.Kind.NAME, "robert", "susan"));
    assertEquals("missing", level(Comparison.Kind.NAME, null, "susan"));
    // With a second field: first and last name swapped.
    assertEquals(5, level(Comparison.Kind.NAME, new String[] {"russell", "sofia"}, new String[] {"sofia", "russell"}));
    assertEquals(6, level(Comparison.Kind.NAME, new String[] {"maria", "lee"}, new String[] {"emily", "martinez"}),
        "a given name merely like the other's surname is no swap");
  }

  @Test
  void dates() {
    assertEquals("exact", level(Comparison.Kind.DATE, "19850302", "19850302"));
    assertEquals("one_day_or_edit", level(Comparison.Kind.DATE, "19850302", "19850203"), "day and month swapped");
    assertEquals("one_day_or_edit", level(Comparison.Kind.DATE, "19850228", "19850301"), "a day apart across a month");
    assertEquals("one_day_or_edit", level(Comparison.Kind.DATE, "19850302", "19860302"), "one digit");
    assertEquals("two_edits_or_year", level(Comparison.Kind.DATE, "1985", "19850302"), "year only on one side");
    assertEquals("different", level(Comparison.Kind.DATE, "19850302", "19621117"));
  }

  @Test
  void emailsAndPhonesTakeTheBestOfAllValues() {
    String many = "ann@work.com" + Comparison.MULTI + "ann.lee@gmail.com";
    assertEquals("exact", level(Comparison.Kind.EMAIL, many, "ann.lee@gmail.com"), "any pair of values");
    assertEquals("same_local_part", level(Comparison.Kind.EMAIL, "ann.lee@gmail.com", "ann.lee@yahoo.com"));
    assertEquals("same_local_part", level(Comparison.Kind.EMAIL, "ann.lee@gmail.com", "ann.lee@gmial.com"), "domain typo");
    assertEquals("similar", level(Comparison.Kind.EMAIL, "ann.lee@gmail.com", "ann.lle@gmail.com"), "typo in the local part");
    assertEquals("different", level(Comparison.Kind.EMAIL, "ann@x.com", "bob@y.org"));
    assertEquals("exact", level(Comparison.Kind.PHONE, "+15125551795" + Comparison.MULTI + "+15125550000", "+15125550000"));
    assertEquals("one_edit_or_last_7", level(Comparison.Kind.PHONE, "+15125551795", "+15125551796"));
    assertEquals("different", level(Comparison.Kind.PHONE, "+15125551795", "+12065550123"));
  }

  @Test
  void aSharedLocalPartThatOnlySpellsTheNamesIsWeakerEvidence() {
    String[] ann = {"ann.lee@gmail.com", "ann", "lee"};
    assertEquals("same_local_part_of_names", emailLevel(ann, new String[] {"ann.lee@yahoo.com", "ann", "lee"}),
        "two Ann Lees at two providers");
    assertEquals("same_local_part_of_names", emailLevel(new String[] {"alee@x.com", "ann", "lee"},
        new String[] {"alee@y.org", "ann", "lee"}), "initial and last name");
    assertEquals("same_local_part", emailLevel(new String[] {"annlee1987@x.com", "ann", "lee"},
        new String[] {"annlee1987@y.org", "ann", "lee"}), "more than the names");
    assertEquals("same_local_part", emailLevel(ann, new String[] {"ann.lee@gmial.com", "ann", "lee"}),
        "a typo in the domain of the same address");
    assertEquals("same_local_part", emailLevel(ann, new String[] {"ann.lee@yahoo.com", "ann", "smith"}),
        "a married name: the local part spells only one side's names");
    assertEquals("same_local_part", emailLevel(ann, new String[] {"annlee@yahoo.com", "ann", null}),
        "a name missing on one side");
    assertEquals("same_local_part_of_names", emailLevel(new String[] {"lawrence.ford@yahoo.com", "lawrence", "ford"},
        new String[] {"lawrence.ford@outlook.com", "larry", "ford"}), "a nickname beside the full given name");
    assertEquals("same_local_part", emailLevel(new String[] {"lawrence.ford@yahoo.com", "lawrence", "ford"},
        new String[] {"lawrence.ford@outlook.com", "paul", "ford"}), "another given name: no nickname of it");
    assertEquals("same_local_part_of_names", emailLevel(new String[] {"annlee@gmail.com", "ann", "lee"},
        new String[] {"ann.lee@yahoo.com", "ann", "lee"}), "Gmail's folded dots: the same local part");
    assertEquals("exact", emailLevel(ann, new String[] {"ann.lee@gmail.com", "ann", "lee"}));

    assertEquals("F.L", Comparison.namePattern("ann.lee", "ann", "lee"));
    assertEquals("L_F", Comparison.namePattern("lee_ann", "ann", "lee"));
    assertEquals("FL", Comparison.namePattern("maryannlee", "mary ann", "lee"));
    assertEquals(null, Comparison.namePattern("ann.lee2", "ann", "lee"));
  }

  @Test
  void theNameSpellingLevelsUComesFromHowPeopleSpellTheirNames() {
    Comparison email = new Comparison("email", Comparison.Kind.EMAIL, List.of("e", "f", "l"), false);
    List<String[]> rows = List.of(new String[] {"ann.lee@x.com", "ann", "lee"},
        new String[] {"bob.ray@x.com", "bob", "ray"}, new String[] {"cray@x.com", "cy", "ray"},
        new String[] {"z99@x.com", "dee", "fox"}, new String[] {null, "eve", "ng"});
    // 3 of 4 e-mail holders spell their names (s = 0.75), as F.L twice and IL once: u = s² (q1² + q2²).
    double u = email.nameLocalPartU(rows, new int[] {0, 1, 2}, 0);
    assertEquals(0.75 * 0.75 * ((2 / 3.0) * (2 / 3.0) + (1 / 3.0) * (1 / 3.0)), u, 1e-12);
  }

  private static String emailLevel(String[] a, String[] b) {
    int l = new Comparison("email", Comparison.Kind.EMAIL, List.of("e", "f", "l"), false).level(a, b,
        new int[] {0, 1, 2});
    return l == Comparison.MISSING ? "missing" : Comparison.Kind.EMAIL.levels().get(l);
  }

  @Test
  void locationComparesStreetPostalCodeAndCityTogether() {
    String[] home = {"12 main street", "78726", "austin"};
    assertEquals(0, level(Comparison.Kind.LOCATION, home, new String[] {"12 main street", "78726", "austin"}));
    assertEquals(1, level(Comparison.Kind.LOCATION, home, new String[] {"12 mian street", "78726", null}));
    assertEquals(2, level(Comparison.Kind.LOCATION, home, new String[] {"4 oak road", "78726", "austin"}));
    assertEquals(3, level(Comparison.Kind.LOCATION, home, new String[] {null, "78700", "austin"}));
    assertEquals(4, level(Comparison.Kind.LOCATION, home, new String[] {"4 oak road", "10001", "new york"}));
    assertEquals(Comparison.MISSING, level(Comparison.Kind.LOCATION, home, new String[] {null, null, null}));
    // Several addresses, aligned: the second address of one record is the first of the other.
    String m = Comparison.MULTI;
    assertEquals(0, level(Comparison.Kind.LOCATION, new String[] {"4 oak road" + m + "12 main street", "10001" + m + "78726",
        "new york" + m + "austin"}, home));
  }

  @Test
  void codesTextAndExact() {
    assertEquals("exact", level(Comparison.Kind.CODE, "78726", "78726"));
    assertEquals("one_edit", level(Comparison.Kind.CODE, "78726", "78762"));
    assertEquals("different", level(Comparison.Kind.CODE, "78726", "10001"));
    assertEquals("jaro_winkler_0.90", level(Comparison.Kind.TEXT, "portsmouth", "portsmuoth"));
    assertEquals("different", level(Comparison.Kind.EXACT, "L-1", "L-2"));
    assertEquals("exact", level(Comparison.Kind.EXACT, "L-1", "L-1"));
  }

  /**
   * The cheap bound that skips Jaro-Winkler never changes an answer: on e-mails, streets and cities that are near one
   * another (typos, swaps, other providers) and far apart, both thresholds, it says "at least t" exactly when the
   * exact similarity does, and it does skip most of the far pairs (else it buys nothing).
   */
  @Test
  void jaroWinklerBoundNeverChangesAnAnswer() {
    org.apache.commons.text.similarity.JaroWinklerSimilarity jw = new org.apache.commons.text.similarity.JaroWinklerSimilarity();
    java.util.Random random = new java.util.Random(7);
    String[] words = {"john.smith@gmail.com", "jon.smith@gmail.com", "smith.john@yahoo.com", "jsmith@gmial.com",
        "mary.jones@hotmail.com", "12 high street", "12 high st", "21 hihg street", "portsmouth", "portsmuoth", "ann",
        "anne", "a", "zz", "müller", "mueller", ""};
    int far = 0;
    int skipped = 0;
    for (int n = 0; n < 20_000; n++) {
      String x = mutate(words[random.nextInt(words.length)], random);
      String y = random.nextBoolean() ? mutate(x, random) : mutate(words[random.nextInt(words.length)], random);
      for (double t : new double[] {0.88, 0.90}) {
        boolean exact = !x.isEmpty() && !y.isEmpty() && jw.apply(x, y) >= t;
        boolean bounded = !x.isEmpty() && !y.isEmpty() && Comparison.jaroWinklerAtLeast(x, y, t);
        assertEquals(exact, bounded, x + " / " + y + " at " + t);
        if (!exact) {
          far++;
          skipped += Comparison.mayReachJaroWinkler(x, y, t) ? 0 : 1;
        }
      }
    }
    org.junit.jupiter.api.Assertions.assertTrue(skipped > far / 3, skipped + " of " + far + " far pairs skipped");
  }

  /** A string with up to two random edits (replace, delete, insert, swap neighbours). */
  private static String mutate(String s, java.util.Random random) {
    StringBuilder b = new StringBuilder(s);
    for (int e = random.nextInt(3); e > 0 && b.length() > 1; e--) {
      int i = random.nextInt(b.length() - 1);
      switch (random.nextInt(4)) {
        case 0 -> b.setCharAt(i, (char) ('a' + random.nextInt(26)));
        case 1 -> b.deleteCharAt(i);
        case 2 -> b.insert(i, (char) ('a' + random.nextInt(26)));
        default -> {
          char c = b.charAt(i);
          b.setCharAt(i, b.charAt(i + 1));
          b.setCharAt(i + 1, c);
        }
      }
    }
    return b.toString();
  }
}
