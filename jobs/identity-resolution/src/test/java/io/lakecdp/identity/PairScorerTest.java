package io.lakecdp.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PairScorerTest {
  static RuleSet rules(Path dir, String yaml) throws Exception {
    Path f = dir.resolve("rules.yaml");
    Files.writeString(f, yaml);
    return RuleSet.load(f);
  }

  private static final String RULES = """
      rules:
        - name: email
          match:
            - {field: email, method: exact_normalized, normalizer: email}
        - name: name_and_birth
          match:
            - {field: first, method: fuzzy, precision: medium, initials: true}
            - {field: last, method: fuzzy, precision: high}
            - {field: born, method: fuzzy, precision: high, normalizer: none}
      """;

  @Test
  void rulesAreAndWithinAndOrAcross(@TempDir Path dir) throws Exception {
    RuleSet rs = rules(dir, RULES);
    List<String> fields = List.copyOf(rs.fields().keySet());
    assertEquals(List.of("email", "first", "last", "born"), fields);
    PairScorer scorer = new PairScorer(rs, fields);

    PairScorer.Decision email = scorer.score(new String[] {"a@x.com", "ann", "lee", "19800101"},
        new String[] {"a@x.com", "zed", "kim", "19700101"});
    assertEquals("email", email.rule());

    PairScorer.Decision nickname = scorer.score(new String[] {null, "bob", "smith", "19800101"},
        new String[] {"b@x.com", "robert", "smith", "19800110"});
    assertEquals("name_and_birth", nickname.rule(), "nickname + transposed digits (one edit)");
    assertEquals(1.0, nickname.scores().get("first:fuzzy"));

    PairScorer.Decision initial = scorer.score(new String[] {null, "j", "smyth", "19800101"},
        new String[] {null, "john", "smith", "19800101"});
    assertEquals(null, initial.rule(), "smyth/smith is below high precision");

    PairScorer.Decision twoEdits = scorer.score(new String[] {null, "john", "smith", "19800101"},
        new String[] {null, "john", "smith", "19811101"});
    assertNull(twoEdits.rule(), "a birth date two edits away is not 'high'");

    PairScorer.Decision blank = scorer.score(new String[] {null, "john", "smith", null},
        new String[] {null, "john", "smith", "19800101"});
    assertNull(blank.rule(), "a blank never matches unless matchOnBlank");
  }

  @Test
  void matchOnBlankAndInitials(@TempDir Path dir) throws Exception {
    RuleSet rs = rules(dir, """
        rules:
          - name: r
            match:
              - {field: first, method: fuzzy, precision: high, initials: true}
              - {field: phone, method: exact_normalized, normalizer: phone, matchOnBlank: true}
        """);
    PairScorer scorer = new PairScorer(rs, List.copyOf(rs.fields().keySet()));
    assertEquals("r", scorer.score(new String[] {"j", null}, new String[] {"john", "+15555550123"}).rule());
  }

  @Test
  void tokenSetsNeedEveryTokenMatched() {
    assertEquals(1.0, PairScorer.tokenSetSimilarity("kydan mccarthy", "kydan mccarthy"));
    assertTrue(PairScorer.tokenSetSimilarity("benjamin lowe", "benjamin pegg") < 0.7);
    assertTrue(PairScorer.tokenSetSimilarity("georgia", "georgia nguyen") < 0.7);
    assertEquals(2, PairScorer.editDistance("19800101", "19811101"));
    assertEquals(1, PairScorer.editDistance("19800101", "19801001"));
  }

  @Test
  void theBoundedEditCheckAgreesWithTheFullDistance() {
    java.util.Random random = new java.util.Random(7);
    String alphabet = "abc.@";
    int within = 0;
    for (int t = 0; t < 20_000; t++) {
      String a = randomString(random, alphabet, random.nextInt(9));
      String b = random.nextBoolean() ? randomString(random, alphabet, random.nextInt(9)) : mutate(random, a, alphabet);
      int d = PairScorer.editDistance(a, b);
      for (int k = 0; k <= 3; k++) {
        assertEquals(d <= k, PairScorer.withinEdits(a, b, k), a + " / " + b + " within " + k);
      }
      within += d <= 2 ? 1 : 0;
    }
    assertTrue(within > 2_000 && within < 18_000, "both outcomes are exercised: " + within);
    assertTrue(PairScorer.withinEdits("ann.lee@gmail.com", "ann.lee@gmial.com", 1), "a transposition is one edit");
    assertTrue(!PairScorer.withinEdits("john.smith@gmail.com", "jane.smith@gmail.com", 2));
  }

  private static String randomString(java.util.Random random, String alphabet, int length) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < length; i++) {
      out.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return out.toString();
  }

  private static String mutate(java.util.Random random, String a, String alphabet) {
    StringBuilder out = new StringBuilder(a);
    for (int e = random.nextInt(4); e > 0; e--) {
      int at = out.length() == 0 ? 0 : random.nextInt(out.length());
      switch (random.nextInt(4)) {
        case 0 -> out.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
        case 1 -> { if (out.length() > 0) out.deleteCharAt(at); }
        case 2 -> { if (out.length() > 0) out.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length()))); }
        default -> {
          if (at + 1 < out.length()) {
            char c = out.charAt(at);
            out.setCharAt(at, out.charAt(at + 1));
            out.setCharAt(at + 1, c);
          }
        }
      }
    }
    return out.toString();
  }

  @Test
  void configErrorsNameTheRule(@TempDir Path dir) {
    var e = org.junit.jupiter.api.Assertions.assertThrows(io.lakecdp.common.config.ConfigException.class,
        () -> rules(dir, "rules:\n  - name: r\n    match:\n      - {field: a, method: fuzzy, precision: hgih}\n"));
    assertEquals("rules[0].match[0].precision", e.field());
    assertEquals("unknown value 'hgih' (expected one of: high, medium, low, loose)", e.problem());
  }
}
