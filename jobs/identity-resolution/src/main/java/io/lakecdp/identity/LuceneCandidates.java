package io.lakecdp.identity;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.FuzzyQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.FSDirectory;
import org.apache.spark.SparkFiles;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Candidate retrieval inside one Spark partition: the partition's records are indexed into a Lucene
 * index in an executor-local folder (name tokens, nickname-canonical given names, other values'
 * tokens), then every record queries it for its top hits: fuzzy terms for names (one edit, two for
 * long names), exact terms for everything else; the scoring step applies the rules' own fuzziness. The index is closed and its folder
 * deleted when the partition is done; records live in the index, not in the heap.
 */
final class LuceneCandidates {
  private static final Logger LOG = LoggerFactory.getLogger(LuceneCandidates.class);

  private LuceneCandidates() {}

  /**
   * @param rows {@code record_id} then one normalized value per field, then the block key
   * @param fuzzy for each field, whether some rule compares it fuzzily (else it is matched exactly)
   * @param names for each field, whether it is a name (nickname-canonical forms are indexed)
   * @return pairs {@code (a, b)} with {@code a < b}
   */
  static Iterator<Row> pairs(Iterator<Row> rows, boolean[] fuzzy, boolean[] names, int topK) {
    int partition = TaskContext.getPartitionId();
    long start = System.currentTimeMillis();
    Path dir = null;
    try {
      dir = Files.createTempDirectory(Path.of(SparkFiles.getRootDirectory()), "lakecdp-lucene-p" + partition + "-");
      List<Row> out = new ArrayList<>();
      int docs;
      try (FSDirectory directory = FSDirectory.open(dir)) {
        docs = index(directory, rows, fuzzy, names);
        long built = System.currentTimeMillis();
        try (DirectoryReader reader = DirectoryReader.open(directory)) {
          query(reader, fuzzy, names, topK, out);
        }
        LOG.info("partition {}: Lucene index of {} records built in {} ms, {} candidate pairs in {} ms", partition,
            docs, built - start, out.size(), System.currentTimeMillis() - built);
      }
      return out.iterator();
    } catch (IOException e) {
      throw new UncheckedIOException("Lucene candidate retrieval failed in partition " + partition, e);
    } finally {
      deleteQuietly(dir);
    }
  }

  private static int index(FSDirectory directory, Iterator<Row> rows, boolean[] fuzzy, boolean[] names) throws IOException {
    Set<String> seen = new HashSet<>();
    int docs = 0;
    try (IndexWriter writer = new IndexWriter(directory, new IndexWriterConfig(new StandardAnalyzer())
        .setRAMBufferSizeMB(64))) {
      while (rows.hasNext()) {
        Row r = rows.next();
        String id = r.getString(0);
        if (!seen.add(id)) {
          continue;
        }
        Document doc = new Document();
        doc.add(new StringField("id", id, Field.Store.YES));
        for (int f = 0; f < fuzzy.length; f++) {
          String v = r.getString(f + 1);
          if (v == null) {
            continue;
          }
          doc.add(new StoredField("v" + f, v));
          for (String token : terms(v, fuzzy[f], names[f])) {
            doc.add(new StringField("t" + f, token, Field.Store.NO));
          }
        }
        writer.addDocument(doc);
        docs++;
      }
      writer.commit();
    }
    return docs;
  }

  private static void query(DirectoryReader reader, boolean[] fuzzy, boolean[] names, int topK, List<Row> out)
      throws IOException {
    IndexSearcher searcher = new IndexSearcher(reader);
    searcher.setQueryCache(null);
    StoredFields stored = reader.storedFields();
    String[] ids = new String[reader.maxDoc()];
    for (int d = 0; d < ids.length; d++) {
      ids[d] = stored.document(d, java.util.Set.of("id")).get("id");
    }
    for (int d = 0; d < reader.maxDoc(); d++) {
      Document doc = stored.document(d);
      String id = ids[d];
      BooleanQuery.Builder q = new BooleanQuery.Builder();
      int clauses = 0;
      for (int f = 0; f < fuzzy.length; f++) {
        String v = doc.get("v" + f);
        if (v == null) {
          continue;
        }
        for (String token : terms(v, fuzzy[f], names[f])) {
          boolean canonical = token.startsWith("=");
          Term term = new Term("t" + f, token);
          boolean fuzzyTerm = fuzzy[f] && names[f] && !canonical && token.length() >= 3;
          q.add(fuzzyTerm ? new FuzzyQuery(term, 1, 1, 20, true) : new TermQuery(term),
              BooleanClause.Occur.SHOULD);
          clauses++;
        }
      }
      if (clauses == 0) {
        continue;
      }
      for (ScoreDoc hit : searcher.search(q.build(), topK + 1).scoreDocs) {
        String other = ids[hit.doc];
        int cmp = id.compareTo(other);
        if (cmp < 0) {
          out.add(RowFactory.create(id, other));
        } else if (cmp > 0) {
          out.add(RowFactory.create(other, id));
        }
      }
    }
  }

  /** Index terms of a value: whole value for exact fields; tokens (and nickname-canonical forms) otherwise. */
  static List<String> terms(String value, boolean fuzzy, boolean name) {
    List<String> out = new ArrayList<>();
    if (!fuzzy) {
      out.add(value);
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
