package io.lakecdp.identity;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
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
import org.apache.lucene.store.FSDirectory;
import org.apache.spark.SparkFiles;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Candidate retrieval inside one Spark partition: the partition's records are indexed into a Lucene
 * index in an executor-local folder (name tokens, nickname-canonical given names, other values whole),
 * then every record queries it for its top hits: fuzzy terms (one edit) for name tokens, exact terms
 * for everything else; the scoring step applies the rules' own fuzziness. A fuzzy term is expanded
 * once per partition and reused. The index is closed and its folder deleted when the partition is done.
 */
final class LuceneCandidates {
  private static final Logger LOG = LoggerFactory.getLogger(LuceneCandidates.class);

  private static final String[] FIELD_NAMES = new String[64];
  /** Marks a term too common to search for. */
  private static final Query COMMON = new MatchNoDocsQuery("common term");
  static final int COMMON_TERM_MIN_DOCS = Integer.getInteger("lakecdp.ir.common-term-docs", 200);

  static {
    for (int f = 0; f < FIELD_NAMES.length; f++) {
      FIELD_NAMES[f] = ("t" + f).intern();
    }
  }

  private LuceneCandidates() {}

  /**
   * How each field is indexed and queried.
   *
   * @param fuzzy per field, whether its tokens are retrieved (else whole values)
   * @param names per field, whether it is a name (one-edit variants and nickname-canonical forms)
   * @param emails per field, whether it holds e-mails (the local part is a term too)
   * @param width how many values follow the record id in each row (fields, then term frequencies)
   */
  record Fields(boolean[] fuzzy, boolean[] names, boolean[] emails, int width) implements java.io.Serializable {}

  /**
   * @param rows {@code record_id} then one normalized value per field (and the term frequencies), then the block key
   * @param scorer decides every candidate pair on the spot, with both records' values at hand
   * @param scored counts the candidate pairs scored
   * @return decided pairs (see {@link ResolutionEngine#decide}) with {@code a < b}
   */
  static Iterator<Row> matches(Iterator<Row> rows, Fields fields, int topK, PairScorer scorer,
      org.apache.spark.util.LongAccumulator scored) {
    int partition = TaskContext.getPartitionId();
    long start = System.currentTimeMillis();
    Path dir = null;
    try {
      dir = Files.createTempDirectory(Path.of(SparkFiles.getRootDirectory()), "lakecdp-lucene-p" + partition + "-");
      List<Row> out = new ArrayList<>();
      int docs;
      try (FSDirectory directory = FSDirectory.open(dir)) {
        List<String[]> records = index(directory, rows, fields);
        docs = records.size();
        long built = System.currentTimeMillis();
        long searching;
        try (DirectoryReader reader = DirectoryReader.open(directory)) {
          searching = query(reader, records, fields, topK, scorer, scored, out);
        }
        LOG.info("partition {}: Lucene index of {} records built in {} ms, {} matched pairs in {} ms ({} ms searching)",
            partition, docs, built - start, out.size(), System.currentTimeMillis() - built, searching);
      }
      return out.iterator();
    } catch (IOException e) {
      throw new UncheckedIOException("Lucene candidate retrieval failed in partition " + partition, e);
    } finally {
      deleteQuietly(dir);
    }
  }

  /** Indexes the partition's records; returns their ids and normalized values, by document number. */
  private static List<String[]> index(FSDirectory directory, Iterator<Row> rows, Fields fields) throws IOException {
    boolean[] fuzzy = fields.fuzzy();
    Set<String> seen = new HashSet<>();
    List<String[]> records = new ArrayList<>();
    while (rows.hasNext()) {
      Row r = rows.next();
      String id = r.getString(0);
      if (!seen.add(id)) {
        continue;
      }
      String[] record = new String[fields.width() + 1];
      record[0] = id;
      for (int f = 1; f <= fields.width(); f++) {
        record[f] = r.getString(f);
      }
      records.add(record);
    }
    // Documents in record-id order: Lucene breaks score ties by document number, so ties go to the smaller id
    // whatever order the rows arrived in, without a sort field.
    records.sort(java.util.Comparator.comparing((String[] rec) -> rec[0]));
    try (IndexWriter writer = new IndexWriter(directory, new IndexWriterConfig(new StandardAnalyzer())
        .setRAMBufferSizeMB(64).setUseCompoundFile(false)
        .setMergePolicy(new LogByteSizeMergePolicy()))) {
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
    return records;
  }

  /** @return milliseconds spent in Lucene searches (the rest is building queries) */
  private static long query(DirectoryReader reader, List<String[]> records, Fields fields, int topK,
      PairScorer scorer, org.apache.spark.util.LongAccumulator scored, List<Row> out) throws IOException {
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
    // partition (a fuzzy term expanded against the index once) and reused by every record holding it.
    Map<Term, Query> clauses = new HashMap<>();
    List<Term> common = new ArrayList<>();
    long searchNanos = 0;
    long pairs = 0;
    // A pair found from both sides (a's hits hold b, b's hold a) is scored once.
    Set<Long> decided = new HashSet<>();
    for (int doc = 0; doc < records.size(); doc++) {
      String[] record = records.get(doc);
      String id = record[0];
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
            boolean fuzzyTerm = fuzzy[f] && names[f] && !token.startsWith("=") && token.length() >= 3;
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
      long t = System.nanoTime();
      // top hits by score, ties by document number, which is record-id order
      TopDocs top = searcher.search(q.build(), topK + 1);
      searchNanos += System.nanoTime() - t;
      for (ScoreDoc hit : top.scoreDocs) {
        String[] other = records.get(hit.doc);
        // Ordered by id; a pair found in two blocks is decided twice, identically, and deduplicated with the
        // matched edges.
        int cmp = id.compareTo(other[0]);
        if (cmp == 0 || !decided.add(Math.min(doc, hit.doc) * (long) Integer.MAX_VALUE + Math.max(doc, hit.doc))) {
          continue;
        }
        String[] a = cmp < 0 ? record : other;
        String[] b = cmp < 0 ? other : record;
        pairs++;
        Row edge = ResolutionEngine.decide(scorer, a, b);
        if (edge != null) {
          out.add(edge);
        }
      }
    }
    scored.add(pairs);
    return searchNanos / 1_000_000;
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

  private static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      LOG.warn("Could not delete Lucene folder {}: {}", dir, e.getMessage());
    }
  }
}
