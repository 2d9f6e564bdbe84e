package io.lakecdp.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plain-array ranking of a block finds the candidates an in-memory Lucene index of the same block finds: the same
 * pairs, on blocks of look-alike records with typos, nicknames, initials, shared and missing values.
 */
class BlockRankerTest {
  private static final String[] GIVEN = {"john", "jon", "johnny", "jonh", "j", "robert", "bob", "rob", "roberta",
      "katherine", "kate", "kathrine", "cate", "mary", "marie", "maria", "william", "bill", "will", "liam"};
  private static final String[] FAMILY = {"smith", "smyth", "smiht", "schmidt", "smithe", "smit", "taylor", "tailor",
      "taylr", "brown", "browne", "braun"};
  private static final String[] STREETS = {"1 elm st", "12 elm st", "3 oak rd", "4 oak road", "9 pine ave"};

  @Test
  void ranksAsLuceneDoes(@TempDir Path dir) throws Exception {
    Setup s = setup(dir);
    List<String> fields = s.fields();
    int width = s.width();
    BlockCandidates.Fields retrieval = s.retrieval();
    PairScorer scorer = s.scorer();
    int topK = 10;
    long compared = 0;
    // up to 1,500 records: postal codes and street words are then in more than 200 records (common terms)
    for (int seed = 1; seed <= 7; seed++) {
      List<String[]> block = block(new Random(seed), seed == 7 ? 1_500 : 60 * seed, fields, width);
      Set<String> byLucene = pairs(block, retrieval, topK, scorer, true);
      Set<String> byArrays = pairs(block, retrieval, topK, scorer, false);
      assertTrue(byLucene.size() > block.size(), "a block of look-alikes yields candidates: " + byLucene.size());
      assertEquals(byLucene, byArrays, "seed " + seed + ", " + block.size() + " records: the same candidates as Lucene");
      compared += byLucene.size();
    }
    assertTrue(compared > 15_000, "pairs compared: " + compared);
  }

  @Test
  void aRecordWithOnlyCommonTermsStillFindsItsLookAlikes(@TempDir Path dir) throws Exception {
    Setup s = setup(dir);
    List<String> fields = s.fields();
    int width = s.width();
    List<String[]> block = new ArrayList<>();
    // 250 "john smith": every term is in more than 200 records, so the records look for their common terms
    for (int i = 0; i < 250; i++) {
      block.add(record(fields, width, String.format("r%04d", i), "john", "smith", null, null, null, null, null));
    }
    Set<String> pairs = pairs(block, s.retrieval(), 10, s.scorer(), false);
    assertEquals(pairs, pairs(block, s.retrieval(), 10, s.scorer(), true));
    // ties go to the smaller record id: every record's hits are the first ten others
    assertTrue(pairs.contains("r0000|r0249"), "the last record finds the first");
    assertTrue(!pairs.contains("r0100|r0200"), "no pair beyond each record's top ten: " + pairs.size());
  }

  /** The engine's fields, a normalized row's width, how retrieval treats the fields, a scorer keeping every pair. */
  private record Setup(List<String> fields, int width, BlockCandidates.Fields retrieval, PairScorer scorer) {}

  private static Setup setup(Path dir) throws Exception {
    RuleSet rules = PairScorerTest.rules(dir, RetrievalBlocksTest.CONFIG);
    ResolutionEngine engine = new ResolutionEngine(null, rules);
    List<String> fields = engine.fields();
    int width = fields.size() + PairScorer.termFrequencyComparisons(rules).size();
    return new Setup(fields, width, engine.retrievalFields(width),
        new PairScorer(rules, fields, RetrievalBlocksTest.model(rules), 0.0));
  }

  private static Set<String> pairs(List<String[]> block, BlockCandidates.Fields fields, int topK, PairScorer scorer,
      boolean lucene) throws Exception {
    Units.Decisions decisions = new Units.Decisions(scorer);
    List<Row> out = new ArrayList<>();
    if (lucene) {
      BlockCandidates.search(block, fields, topK, decisions, 1L, out);
    } else {
      BlockRanker.rank(block, fields, topK, decisions, 1L, out);
    }
    Set<String> pairs = new TreeSet<>();
    for (Row r : out) {
      pairs.add(r.getString(0) + "|" + r.getString(1));
    }
    assertEquals(decisions.scored(), pairs.size(), "every scored pair is kept (keep probability 0)");
    return pairs;
  }

  private static List<String[]> block(Random random, int size, List<String> fields, int width) {
    List<String[]> out = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      String given = GIVEN[random.nextInt(GIVEN.length)];
      String family = FAMILY[random.nextInt(FAMILY.length)];
      String date = random.nextInt(5) == 0 ? null : "19" + (50 + random.nextInt(10)) + "-0" + (1 + random.nextInt(3)) + "-1"
          + random.nextInt(3);
      String email = random.nextInt(3) == 0 ? null
          : given + "." + family + (random.nextBoolean() ? "" : random.nextInt(3)) + "@" + (random.nextBoolean() ? "mail.com"
              : "web.org") + (random.nextInt(6) == 0 ? Comparison.MULTI + family + "@work.com" : "");
      String street = random.nextInt(4) == 0 ? null : STREETS[random.nextInt(STREETS.length)];
      String postal = street == null ? null : "9021" + random.nextInt(3);
      out.add(record(fields, width, String.format("r%04d", i), given, family, date, email, street, postal,
          postal == null ? null : "springfield"));
    }
    return out;
  }

  private static String[] record(List<String> fields, int width, String id, String first, String last, String date,
      String email, String address, String postal, String city) {
    String[] r = new String[width + 1];
    r[0] = id;
    r[fields.indexOf("first_name") + 1] = first;
    r[fields.indexOf("last_name") + 1] = last;
    r[fields.indexOf("birth_date") + 1] = date;
    r[fields.indexOf("email") + 1] = email;
    r[fields.indexOf("address") + 1] = address;
    r[fields.indexOf("postal_code") + 1] = postal;
    r[fields.indexOf("city") + 1] = city;
    return r;
  }
}
