package io.lakecdp.common.normalize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class NamePartTest {
  /** full name | salutation | first | middle | last | suffix ("-" for null). */
  private static final String[] AWKWARD = {
      "Ann Lee|-|Ann|-|Lee|-",
      "Lee, Ann|-|Ann|-|Lee|-",
      "  lee ,   ann  |-|ann|-|lee|-",
      "Mrs. Ann B. Lee|Mrs.|Ann|B.|Lee|-",
      "MRS ANN LEE|MRS|ANN|-|LEE|-",
      "Ann Lee Jr.|-|Ann|-|Lee|Jr.",
      "Ann Lee, Jr.|-|Ann|-|Lee|Jr.",
      "Lee, Ann B., PhD|-|Ann|B.|Lee|PhD",
      "Dr. John Paul Smith III|Dr.|John|Paul|Smith|III",
      "Maria de la Cruz|-|Maria|-|de la Cruz|-",
      "Juan Carlos de la Cruz|-|Juan|Carlos|de la Cruz|-",
      "Jan van der Berg|-|Jan|-|van der Berg|-",
      "van der Berg, Jan|-|Jan|-|van der Berg|-",
      "Van Morrison|-|Van|-|Morrison|-",
      "Sean O'Brien|-|Sean|-|O'Brien|-",
      "Mary Smith-Jones|-|Mary|-|Smith-Jones|-",
      "Madonna|-|Madonna|-|-|-",
      "Mr. Lee|Mr.|-|-|Lee|-",
      "Lee, Mrs. Ann|Mrs.|Ann|-|Lee|-",
      "Ann   Marie\tLee|-|Ann|Marie|Lee|-",
      "Malcolm X|-|Malcolm|-|X|-",
      "Henry V|-|Henry|-|V|-",
  };

  @Test
  void awkwardNamesSplitIntoTheirParts() {
    for (String line : AWKWARD) {
      String[] cols = line.split("\\|", -1);
      NamePart.Parts p = NamePart.split(cols[0]);
      String[] expected = Arrays.stream(cols, 1, 6).map(s -> s.equals("-") ? null : s).toArray(String[]::new);
      String[] actual = {p.salutation(), p.first(), p.middle(), p.last(), p.suffix()};
      for (int i = 0; i < 5; i++) {
        assertEquals(expected[i], actual[i], NamePart.PARTS.get(i) + " of '" + cols[0] + "'");
      }
    }
  }

  @Test
  void blankNamesHaveNoPartsAndUnknownPartsAreRefused() {
    assertEquals(null, NamePart.of(null, "first"));
    assertEquals(null, NamePart.of("   ", "last"));
    assertEquals("Lee", NamePart.of("Ann Lee", "LAST"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NamePart.of("Ann Lee", "given"));
    assertEquals(true, e.getMessage().contains("given"), e.getMessage());
  }
}
