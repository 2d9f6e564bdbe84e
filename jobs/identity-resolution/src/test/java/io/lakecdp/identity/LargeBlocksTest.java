package io.lakecdp.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A retrieval block of more than maxBlockSize members is split, in the partition that searches it, by the first letter
 * of every fuzzy field ({@code <block>/<letters>}); smaller blocks and exact-key groups stay whole.
 */
class LargeBlocksTest {
  private static final BlockCandidates.Fields FIELDS = new BlockCandidates.Fields(new boolean[] {true, true, false},
      new boolean[] {true, true, false}, new boolean[] {false, false, false}, 3, new int[] {0, 1}, 3);

  private static Map<String, String[]> block(String... idsAndNames) {
    Map<String, String[]> members = new TreeMap<>();
    for (int i = 0; i < idsAndNames.length; i += 3) {
      String[] record = {idsAndNames[i], idsAndNames[i + 1], idsAndNames[i + 2], "1990-01-01"};
      members.put(record[0], record);
    }
    return members;
  }

  @Test
  void onlyRetrievalBlocksOverTheLimitAreSplitByInitials() {
    Map<String, Map<String, String[]>> blocks = new TreeMap<>();
    blocks.put("n:JN", block("r1", "john", "smith", "r2", "jon", "smyth", "r3", "john", "brown", "r4", "joan", null,
        "r5", "ßjohn", "smith"));
    blocks.put("n:MR", block("r6", "mary", "lee", "r7", "marie", "lee", "r8", "mary", "li"));
    blocks.put(BlockCandidates.EXACT + "x4\u0001a@b.c", block("r1", "john", "smith", "r2", "jon", "smyth", "r3", "john",
        "brown", "r4", "joan", null));
    BlockCandidates.splitLargeBlocks(blocks, FIELDS, 0);
    Map<String, List<String>> ids = new TreeMap<>();
    blocks.forEach((key, members) -> ids.put(key, List.copyOf(members.keySet())));
    assertEquals(Map.of("n:JN/j|s", List.of("r1", "r2"), "n:JN/j|b", List.of("r3"), "n:JN/j|", List.of("r4"),
        "n:JN/ß|s", List.of("r5"), "n:MR", List.of("r6", "r7", "r8"),
        BlockCandidates.EXACT + "x4\u0001a@b.c", List.of("r1", "r2", "r3", "r4")), ids);
  }
}
