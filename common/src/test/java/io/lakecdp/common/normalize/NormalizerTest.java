package io.lakecdp.common.normalize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class NormalizerTest {
  @Test
  void namesLoseAccentsCasePunctuationSalutationsAndSuffixes() {
    assertEquals("jose o neill", Normalizer.NAME.apply("  Mr. José O-Neill Jr. "));
    assertEquals("obrien", Normalizer.NAME.apply("O'Brien"));
    assertEquals("muller", Normalizer.NAME.apply("Müller"));
    assertNull(Normalizer.NAME.apply("Unknown"));
    assertNull(Normalizer.NAME.apply(" - "));
  }

  @Test
  void gmailDotsAndPlusTagsAreDroppedOnlyForGmail() {
    assertEquals("johnsmith@gmail.com", Normalizer.EMAIL.apply("John.Smith+shop@GMail.com"));
    assertEquals("johnsmith@gmail.com", Normalizer.EMAIL.apply("johnsmith@googlemail.com"));
    assertEquals("john.smith@yahoo.com", Normalizer.EMAIL.apply("John.Smith+x@yahoo.com"));
    assertNull(Normalizer.EMAIL.apply("noreply@shop.com"));
    assertNull(Normalizer.EMAIL.apply("not-an-email"));
  }

  @Test
  void phonesBecomeE164AndPlaceholdersAreDropped() {
    assertEquals("+12105496035", Normalizer.PHONE.apply("(210) 549-6035"));
    assertEquals("+12105496035", Normalizer.PHONE.apply("+1 210-549-6035"));
    assertEquals("+12105496035", Normalizer.PHONE.apply("2105496035"));
    assertEquals("+442071838750", Normalizer.PHONE.apply("+44 20 7183 8750"));
    assertNull(Normalizer.PHONE.apply("000-000-0000"));
    assertNull(Normalizer.PHONE.apply("555 1111111"));
    assertNull(Normalizer.PHONE.apply("12"));
  }

  @Test
  void addressAbbreviationsAreExpanded() {
    assertEquals(Normalizer.ADDRESS.apply("12 Main Street"), Normalizer.ADDRESS.apply("12 main st."));
    assertEquals("4 oak avenue apartment 3", Normalizer.ADDRESS.apply("4 Oak Ave, Apt 3"));
  }
}
