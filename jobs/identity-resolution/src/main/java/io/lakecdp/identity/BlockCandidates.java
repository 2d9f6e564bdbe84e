package io.lakecdp.identity;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LogByteSizeMergePolicy;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.FuzzyQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Candidate retrieval inside one Spark partition, block by block: every member of a block looks for its top hits among
 * the block's other members (name tokens with their one-edit variants and nickname-canonical forms, other values whole,
 * scored as Lucene's BM25 scores them); the scoring step applies the rules' own fuzziness. Blocks are ranked in plain
 * arrays ({@link BlockRanker}); a block larger than {@code -Dlakecdp.ir.lucene-block} (default: none) is searched through
 * an in-memory Lucene index instead, which finds the same hits at three to six times the cost (BlockRankerTest holds the
 * two to the same candidates).
 */
final class BlockCandidates {
  private static final Logger LOG = LoggerFactory.getLogger(BlockCandidates.class);

  private static final String[] FIELD_NAMES = new String[64];
  /** Marks a term too common to search for. */
  private static final Query COMMON = new MatchNoDocsQuery("common term");
  static final int COMMON_TERM_MIN_DOCS = Integer.getInteger("lakecdp.ir.common-term-docs", 200);
  /**
   * Marks the block key of an exact-key group (an e-mail, phone or identifier value, a rule's exact values): every two
   * of its records are paired, and a group of more than maxExactGroup records is a placeholder, skipped.
   */
  static final String EXACT = "\u0001";
  /** Blocks of more members than this get a Lucene index; smaller ones are ranked in plain arrays. */
  static final int LUCENE_MIN_BLOCK = Integer.getInteger("lakecdp.ir.lucene-block", Integer.MAX_VALUE);

  static {
    for (int f = 0; f < FIELD_NAMES.length; f++) {
      FIELD_NAMES[f] = ("t" + f).intern();
    }
  }

  private BlockCandidates() {}

  /**
   * How each field is indexed and queried.
   *
   * @param fuzzy per field, whether its tokens are retrieved (else whole values)
   * @param names per field, whether it is a name (one-edit variants and nickname-canonical forms)
   * @param emails per field, whether it holds e-mails (the local part is a term too)
   * @param width how many values follow the record id in each row (fields, then term frequencies)
   * @param split the fields whose first letters split a block of more than {@code maxBlockSize} records
   * @param maxBlockSize members of a retrieval block above which it is split
   */
  record Fields(boolean[] fuzzy, boolean[] names, boolean[] emails, int width, int[] split, int maxBlockSize)
      implements java.io.Serializable {}

  /**
   * Candidate pairs of every block of the partition, each block on its own: an exact-key group ({@link #EXACT}) of at
   * most {@code maxExactGroup} records, or a retrieval block of at most {@code 2 topK + 1}, pairs every two of its
   * records; in a larger retrieval block every member takes its top hits. What a block
   * yields depends only on its members, not on which other blocks share the partition, so a block whose members did
   * not change since the last run (its {@link Units#signature}) is not searched again: its pairs are the last run's.
   *
   * @param rows {@code record_id} then one normalized value per field (and the term frequencies), then the block key
   * @param scorer decides every candidate pair on the spot, with both records' values at hand
   * @param scored counts the candidate pairs scored
   * @param skippedKeys counts the exact-key groups skipped as placeholders
   * @param known signatures of the blocks and keys searched by the last run, sorted (empty: search every block)
   * @return a {@link Units#marker} per block of two or more records, and the decided pairs of each block searched
   */
  static Iterator<Row> matches(Iterator<Row> rows, Fields fields, int topK, int maxExactGroup, PairScorer scorer,
      org.apache.spark.util.LongAccumulator scored, org.apache.spark.util.LongAccumulator skippedKeys, long[] known) {
    int partition = TaskContext.getPartitionId();
    long start = System.currentTimeMillis();
    Map<String, Map<String, String[]>> blocks = new java.util.TreeMap<>();
    // One array per record id, whatever the number of its blocks here: the decisions tell records apart by identity.
    Map<String, String[]> byId = new HashMap<>();
    while (rows.hasNext()) {
      Row r = rows.next();
      String[] record = byId.get(r.getString(0));
      if (record == null) {
        record = new String[fields.width() + 1];
        for (int f = 0; f <= fields.width(); f++) {
          record[f] = r.getString(f);
        }
        byId.put(record[0], record);
      }
      blocks.computeIfAbsent(r.getString(fields.width() + 1), k -> new java.util.TreeMap<>()).putIfAbsent(record[0], record);
    }
    splitLargeBlocks(blocks, fields, partition);
    Units.Decisions decisions = new Units.Decisions(scorer);
    List<Row> out = new ArrayList<>();
    int searched = 0;
    int skipped = 0;
    try {
      for (Map.Entry<String, Map<String, String[]>> block : blocks.entrySet()) {
        // members in record-id order: score ties are broken by position, so they go to the smaller id
        List<String[]> members = new ArrayList<>(block.getValue().values());
        if (members.size() < 2) {
          continue;
        }
        String key = block.getKey();
        boolean exact = key.startsWith(EXACT);
        if (exact && members.size() > maxExactGroup) {
          skipped++;
          continue;
        }
        String name = exact ? "x" + key.substring(EXACT.length()) : "b" + key;
        long signature = Units.signature(name, members);
        long unit = Units.keyId(name);
        boolean fresh = !Units.known(known, signature);
        out.add(Units.marker(unit, signature, fresh));
        if (!fresh) {
          continue;
        }
        searched++;
        if (exact || members.size() <= 2 * topK + 1) {
          // Every two members are no more pairs than topK hits per member, and no index to build.
          decisions.allPairs(members, unit, out);
        } else if (members.size() <= LUCENE_MIN_BLOCK) {
          BlockRanker.rank(members, fields, topK, decisions, unit, out);
        } else {
          search(members, fields, topK, decisions, unit, out);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Candidate retrieval (Lucene) failed in partition " + partition, e);
    }
    scored.add(decisions.scored());
    skippedKeys.add(skipped);
    LOG.info("partition {}: {} blocks, {} searched, {} pairs scored, {} rows in {} ms", partition, blocks.size(), searched,
        decisions.scored(), out.size(), System.currentTimeMillis() - start);
    return out.iterator();
  }

  /**
   * Splits each retrieval block of more than {@code maxBlockSize} members (the phonetic code of a common name) by a
   * second key: the first letter of every fuzzy field, as {@code <block>/<letters joined by |>}. A block lies whole
   * in one partition, so it is split where it is searched, with no pass over the data to count the blocks first.
   */
  static void splitLargeBlocks(Map<String, Map<String, String[]>> blocks, Fields fields, int partition) {
    List<String> large = new ArrayList<>();
    for (Map.Entry<String, Map<String, String[]>> block : blocks.entrySet()) {
      if (!block.getKey().startsWith(EXACT) && block.getValue().size() > fields.maxBlockSize()) {
        large.add(block.getKey());
      }
    }
    for (String key : large) {
      for (String[] record : blocks.remove(key).values()) {
        StringBuilder sub = new StringBuilder(key).append('/');
        for (int i = 0; i < fields.split().length; i++) {
          String v = record[fields.split()[i] + 1];
          if (i > 0) {
            sub.append('|');
          }
          if (v != null && !v.isEmpty()) {
            sub.appendCodePoint(v.codePointAt(0));
          }
        }
        blocks.computeIfAbsent(sub.toString(), k -> new java.util.TreeMap<>()).put(record[0], record);
      }
    }
    if (!large.isEmpty()) {
      LOG.info("partition {}: {} retrieval block(s) of more than {} records split by a second key: {}", partition,
          large.size(), fields.maxBlockSize(), large);
    }
  }

  /** Indexes one block's members (document number = position) in memory, and lets each query it. */
  static void search(List<String[]> records, Fields fields, int topK, Units.Decisions decisions, long unit,
      List<Row> out) throws IOException {
    boolean[] fuzzy = fields.fuzzy();
    try (ByteBuffersDirectory directory = new ByteBuffersDirectory()) {
      try (IndexWriter writer = new IndexWriter(directory, new IndexWriterConfig(new StandardAnalyzer())
          .setRAMBufferSizeMB(64).setUseCompoundFile(false).setMergePolicy(new LogByteSizeMergePolicy()))) {
        for (String[] record : records) {
          Document doc = new Document();
          for (int f = 0; f < fuzzy.length; f++) {
            String v = record[f + 1];
            if (v == null) {
              continue;
            }
            for (String token : terms(v, fuzzy[f], fields.names()[f], fields.emails()[f])) {
              doc.add(new StringField(FIELD_NAMES[f], token, Field.Store.NO));
            }
          }
          writer.addDocument(doc);
        }
        // One segment, merged in order (log merge policy): a hit's doc number is its record's index.
        writer.forceMerge(1);
        writer.commit();
      }
      try (DirectoryReader reader = DirectoryReader.open(directory)) {
        query(reader, records, fields, topK, decisions, unit, out);
      }
    }
  }

  private static void query(DirectoryReader reader, List<String[]> records, Fields fields, int topK,
      Units.Decisions decisions, long unit, List<Row> out) throws IOException {
    boolean[] fuzzy = fields.fuzzy();
    boolean[] names = fields.names();
    if (reader.maxDoc() != records.size() || reader.leaves().size() != 1) {
      throw new IllegalStateException("Lucene index of " + records.size() + " records has " + reader.maxDoc()
          + " documents in " + reader.leaves().size() + " segments");
    }
    IndexSearcher searcher = new IndexSearcher(reader);
    searcher.setQueryCache(null);
    // Terms in more than this many documents ("st", "road", a popular surname) say little about who
    // a record is and make every query visit a large share of the index: a record looks for its rarer
    // terms, and for its common ones only when it has nothing else.
    int commonTerm = Math.max(COMMON_TERM_MIN_DOCS, records.size() / 100);
    // Values repeat (many Johns, many Smiths): each distinct term's clause is built once per
    // block (a fuzzy term expanded against the index once) and reused by every record holding it.
    Map<Term, Query> clauses = new HashMap<>();
    List<Term> common = new ArrayList<>();
    for (int doc = 0; doc < records.size(); doc++) {
      String[] record = records.get(doc);
      BooleanQuery.Builder q = new BooleanQuery.Builder();
      int n = 0;
      for (int f = 0; f < fuzzy.length; f++) {
        String v = record[f + 1];
        if (v == null) {
          continue;
        }
        for (String token : terms(v, fuzzy[f], names[f], fields.emails()[f])) {
          Term term = new Term(FIELD_NAMES[f], token);
          Query clause = clauses.get(term);
          if (clause == null) {
            boolean fuzzyTerm = fuzzyTerm(fields, f, token);
            clause = reader.docFreq(term) > commonTerm ? COMMON
                : fuzzyTerm ? searcher.rewrite(new FuzzyQuery(term, 1, 1, 20, true)) : new TermQuery(term);
            clauses.put(term, clause);
          }
          if (clause == COMMON) {
            common.add(term);
          } else {
            q.add(clause, BooleanClause.Occur.SHOULD);
            n++;
          }
        }
      }
      if (n == 0) {
        // Nothing rare to look for (a "john smith" with no other detail): the common terms it is.
        for (Term term : common) {
          q.add(new TermQuery(term), BooleanClause.Occur.SHOULD);
          n++;
        }
      }
      common.clear();
      if (n == 0) {
        continue;
      }
      // top hits by score, ties by document number, which is record-id order
      TopDocs top = searcher.search(q.build(), topK + 1);
      for (ScoreDoc hit : top.scoreDocs) {
        if (hit.doc != doc) {
          String[] other = records.get(hit.doc);
          decisions.decide(hit.doc < doc ? other : record, hit.doc < doc ? record : other, unit, out);
        }
      }
    }
  }

  /**
   * Whether a record's term of field {@code f} is looked for with its one-edit variants too: a name token of three
   * letters or more (not a nickname-canonical form).
   */
  static boolean fuzzyTerm(Fields fields, int f, String token) {
    return fields.fuzzy()[f] && fields.names()[f] && !token.startsWith("=") && token.length() >= 3;
  }

  /**
   * Index terms of a value (every value of a multi-valued field): whole values for exact fields, with the
   * local part of e-mails; tokens (and nickname-canonical forms of names) otherwise.
   */
  static List<String> terms(String value, boolean fuzzy, boolean name, boolean email) {
    List<String> out = new ArrayList<>();
    if (value.contains(Comparison.MULTI)) {
      for (String v : value.split(Comparison.MULTI)) {
        if (!v.isEmpty()) {
          for (String t : terms(v, fuzzy, name, email)) {
            if (!out.contains(t)) {
              out.add(t);
            }
          }
        }
      }
      return out;
    }
    if (!fuzzy) {
      out.add(value);
      int at = value.indexOf('@');
      if (email && at > 0) {
        out.add("@local:" + value.substring(0, at));
      }
      return out;
    }
    for (String token : value.split(" ")) {
      if (token.isEmpty()) {
        continue;
      }
      out.add(token);
      if (name) {
        for (String c : Nicknames.canonical(token)) {
          out.add("=" + c);
        }
      }
    }
    return out;
  }
}
