package io.lakecdp.common.normalize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import org.junit.jupiter.api.Test;

class NormalizerTest {
  /** Each key normalizes to its value; each of {@code dropped} to null (no value). */
  private static void expect(Normalizer normalizer, Map<String, String> normalized, String... dropped) {
    normalized.forEach((in, out) -> assertEquals(out, normalizer.apply(in), in));
    for (String in : dropped) {
      assertNull(normalizer.apply(in), in);
    }
  }

  @Test
  void namesLoseAccentsCasePunctuationSalutationsAndSuffixes() {
    expect(Normalizer.NAME, Map.of("  Mr. José O-Neill Jr. ", "jose o neill", "O'Brien", "obrien", "Müller", "muller"),
        "Unknown", " - ");
  }

  @Test
  void gmailDotsAndPlusTagsAreDroppedOnlyForGmail() {
    expect(Normalizer.EMAIL, Map.of("John.Smith+shop@GMail.com", "johnsmith@gmail.com",
        "johnsmith@googlemail.com", "johnsmith@gmail.com", "John.Smith+x@yahoo.com", "john.smith@yahoo.com"),
        "noreply@shop.com", "not-an-email");
  }

  @Test
  void phonesBecomeE164AndPlaceholdersAreDropped() {
    expect(Normalizer.PHONE, Map.of("(210) 549-6035", "+12105496035", "+1 210-549-6035", "+12105496035",
        "2105496035", "+12105496035", "+44 20 7183 8750", "+442071838750"), "000-000-0000", "555 1111111", "12");
  }

  @Test
  void addressAbbreviationsAreExpanded() {
    assertEquals(Normalizer.ADDRESS.apply("12 Main Street"), Normalizer.ADDRESS.apply("12 main st."));
    assertEquals("4 oak avenue apartment 3", Normalizer.ADDRESS.apply("4 Oak Ave, Apt 3"));
  }
}
