package io.lakecdp.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakecdp.common.normalize.Normalizer;
import org.junit.jupiter.api.Test;

class MatchValuesTest {
  @Test
  void nicknamesShareCanonicalNames() {
    assertTrue(Nicknames.equivalent("bob", "robert"));
    assertTrue(Nicknames.equivalent("peggy", "margaret"));
    assertTrue(Nicknames.equivalent("sue", "susan"));
    assertTrue(Nicknames.equivalent("bob", "rob"));
    assertTrue(Nicknames.equivalent("alex", "alexandra"));
    assertFalse(Nicknames.equivalent("bob", "william"));
    assertFalse(Nicknames.equivalent("john", "jane"));
  }

  @Test
  void compositeFieldsAreTokenSetsSoSwappedNamesCompareEqual() {
    String sep = ResolutionEngine.COMPOSITE_SEPARATOR;
    assertEquals(ResolutionEngine.normalizeValue(Normalizer.NAME, "Kydan" + sep + "McCarthy"),
        ResolutionEngine.normalizeValue(Normalizer.NAME, "mccarthy" + sep + "kydan"));
    assertEquals("ann", ResolutionEngine.normalizeValue(Normalizer.NAME, "Ann" + sep));
  }
}
