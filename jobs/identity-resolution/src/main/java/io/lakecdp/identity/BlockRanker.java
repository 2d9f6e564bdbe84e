package io.lakecdp.identity;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;

/**
 * Ranks a block's members for each member with an inverted index held in plain arrays: what an in-memory Lucene
 * index does for a block, at a fraction of its fixed cost per block and per query (no index writer, segment or
 * term dictionary to build, no query weights to create per search).
 *
 * <p>A member's hits are the other members sharing a term with it, scored as Lucene's BM25 scores a term held once
 * in a field without norms: per shared term, its inverse document frequency among the block's records holding the
 * field, times a factor of the field's average number of terms. A name token of three letters or more also matches
 * the block's tokens of the same field one edit away with the same first letter (at most 20 of them, the closest
 * first), each weighted by its similarity and all by the most frequent variant's document frequency,
 * as Lucene's fuzzy query does. A term held by more than {@code max(200, members / 100)} members is looked for only by
 * a member with nothing rarer. Ties go to the smaller record id (members are in record-id order). What a block
 * yields depends only on its members.
 */
final class BlockRanker {
  private static final int MAX_EXPANSIONS = 20;
  /** Lucene's BM25 defaults. */
  private static final float K1 = 1.2f;
  private static final float B = 0.75f;

  private BlockRanker() {}

  /** Decides each member's top {@code topK} hits in the block. */
  static void rank(List<String[]> records, BlockCandidates.Fields fields, int topK, Units.Decisions decisions,
      long unit, List<Row> out) {
    boolean[] fuzzy = fields.fuzzy();
    boolean[] names = fields.names();
    int n = records.size();
    Map<String, Integer> ids = new HashMap<>();
    List<String> termText = new ArrayList<>();
    List<Integer> termField = new ArrayList<>();
    List<int[]> postings = new ArrayList<>();
    int[] sizes = new int[16];
    int[][] docTerms = new int[n][];
    int[] buffer = new int[32];
    for (int doc = 0; doc < n; doc++) {
      String[] record = records.get(doc);
      int count = 0;
      for (int f = 0; f < fuzzy.length; f++) {
        String v = record[f + 1];
        if (v == null) {
          continue;
        }
        for (String token : BlockCandidates.terms(v, fuzzy[f], names[f], fields.emails()[f])) {
          String key = f + "\u0000" + token;
          Integer id = ids.get(key);
          if (id == null) {
            id = termText.size();
            ids.put(key, id);
            termText.add(token);
            termField.add(f);
            postings.add(new int[4]);
            if (id >= sizes.length) {
              sizes = Arrays.copyOf(sizes, sizes.length * 2);
            }
          }
          int[] p = postings.get(id);
          if (sizes[id] > 0 && p[sizes[id] - 1] == doc) {
            continue; // the same term twice in one record
          }
          if (sizes[id] == p.length) {
            p = Arrays.copyOf(p, p.length * 2);
            postings.set(id, p);
          }
          p[sizes[id]++] = doc;
          if (count == buffer.length) {
            buffer = Arrays.copyOf(buffer, count * 2);
          }
          buffer[count++] = id;
        }
      }
      docTerms[doc] = Arrays.copyOf(buffer, count);
    }
    int terms = termText.size();
    // Per field, as Lucene's statistics: the records holding it, and its terms per record on average.
    int[] docCount = new int[fuzzy.length];
    long[] sumDocFreq = new long[fuzzy.length];
    int[] lastDoc = new int[fuzzy.length];
    Arrays.fill(lastDoc, -1);
    for (int t = 0; t < terms; t++) {
      sumDocFreq[termField.get(t)] += sizes[t];
    }
    for (int doc = 0; doc < n; doc++) {
      for (int t : docTerms[doc]) {
        int f = termField.get(t);
        if (lastDoc[f] != doc) {
          lastDoc[f] = doc;
          docCount[f]++;
        }
      }
    }
    float[] lengthNorm = new float[fuzzy.length];
    for (int f = 0; f < fuzzy.length; f++) {
      float avgdl = docCount[f] == 0 ? 1f : (float) (sumDocFreq[f] / (double) docCount[f]);
      lengthNorm[f] = 1f / (K1 * ((1 - B) + B / avgdl));
    }
    float[] idf = new float[terms];
    for (int t = 0; t < terms; t++) {
      idf[t] = idf(docCount[termField.get(t)], sizes[t]);
    }
    int commonTerm = Math.max(BlockCandidates.COMMON_TERM_MIN_DOCS, n / 100);
    int[][] expansions = new int[terms][];
    float[][] boosts = new float[terms][]; // per variant: its similarity, then (once expanded) its score
    Map<String, List<Integer>> neighbourhoods = null;
    double[] acc = new double[n];
    int[] touched = new int[n];
    int[] common = new int[16];
    int[] best = new int[topK + 1];
    float[] bestScore = new float[topK + 1];
    for (int doc = 0; doc < n; doc++) {
      int hitCount = 0;
      int commonCount = 0;
      int clauses = 0;
      for (int t : docTerms[doc]) {
        if (sizes[t] > commonTerm) {
          if (commonCount == common.length) {
            common = Arrays.copyOf(common, commonCount * 2);
          }
          common[commonCount++] = t;
          continue;
        }
        clauses++;
        int f = termField.get(t);
        String token = termText.get(t);
        if (BlockCandidates.fuzzyTerm(fields, f, token)) {
          if (expansions[t] == null) {
            if (neighbourhoods == null) {
              neighbourhoods = neighbourhoods(termText, termField, fuzzy, names);
            }
            expand(t, termText, termField, sizes, neighbourhoods, expansions, boosts);
            // Once per term: every variant weighs its similarity times the most frequent variant's idf.
            int maxDf = 0;
            for (int v : expansions[t]) {
              maxDf = Math.max(maxDf, sizes[v]);
            }
            float weight = idf(docCount[f], maxDf);
            for (int e = 0; e < expansions[t].length; e++) {
              boosts[t][e] = score(boosts[t][e] * weight, lengthNorm[f]);
            }
          }
          for (int e = 0; e < expansions[t].length; e++) {
            hitCount = add(postings.get(expansions[t][e]), sizes[expansions[t][e]], boosts[t][e], acc, touched, hitCount);
          }
        } else {
          hitCount = add(postings.get(t), sizes[t], score(idf[t], lengthNorm[f]), acc, touched, hitCount);
        }
      }
      if (clauses == 0) {
        // Nothing rare to look for (a "john smith" with no other detail): the common terms it is.
        for (int c = 0; c < commonCount; c++) {
          hitCount = add(postings.get(common[c]), sizes[common[c]], score(idf[common[c]], lengthNorm[termField.get(common[c])]),
              acc, touched, hitCount);
        }
      }
      int found = top(acc, touched, hitCount, best, bestScore);
      String[] record = records.get(doc);
      for (int h = 0; h < found; h++) {
        int hit = best[h];
        if (hit != doc) {
          String[] other = records.get(hit);
          decisions.decide(hit < doc ? other : record, hit < doc ? record : other, unit, out);
        }
      }
      for (int h = 0; h < hitCount; h++) {
        acc[touched[h]] = 0d;
      }
    }
  }

  /** Lucene's BM25 inverse document frequency ({@code docs}: the records holding the field). */
  private static float idf(int docs, int df) {
    return (float) Math.log(1 + (docs - df + 0.5D) / (df + 0.5D));
  }

  /** BM25 of a term held once by a record, in a field without length norms (as Lucene scores a string field). */
  private static float score(float weight, float lengthNorm) {
    return weight - weight / (1f + lengthNorm);
  }

  private static int add(int[] docs, int size, float weight, double[] acc, int[] touched, int hitCount) {
    for (int i = 0; i < size; i++) {
      int d = docs[i];
      if (acc[d] == 0d) {
        touched[hitCount++] = d;
      }
      acc[d] += weight;
    }
    return hitCount;
  }

  /** The best {@code best.length} touched documents, by score, then smaller document; returns how many. */
  private static int top(double[] acc, int[] touched, int hitCount, int[] best, float[] bestScore) {
    int size = 0;
    for (int h = 0; h < hitCount; h++) {
      int d = touched[h];
      float s = (float) acc[d];
      if (size == best.length && !better(s, d, bestScore[size - 1], best[size - 1])) {
        continue;
      }
      int i = size == best.length ? size - 1 : size++;
      while (i > 0 && better(s, d, bestScore[i - 1], best[i - 1])) {
        best[i] = best[i - 1];
        bestScore[i] = bestScore[i - 1];
        i--;
      }
      best[i] = d;
      bestScore[i] = s;
    }
    return size;
  }

  private static boolean better(float s, int d, float otherScore, int other) {
    return s > otherScore || s == otherScore && d < other;
  }

  /**
   * Every fuzzy name token of the block, and each of its one-letter deletions, to the tokens they come from: two
   * tokens one edit apart (a letter changed, added, dropped, or two neighbours swapped) share an entry.
   */
  private static Map<String, List<Integer>> neighbourhoods(List<String> termText, List<Integer> termField,
      boolean[] fuzzy, boolean[] names) {
    Map<String, List<Integer>> out = new HashMap<>();
    for (int t = 0; t < termText.size(); t++) {
      int f = termField.get(t);
      String token = termText.get(t);
      if (!fuzzy[f] || !names[f] || token.startsWith("=")) {
        continue;
      }
      out.computeIfAbsent(f + "\u0000" + token, k -> new ArrayList<>(2)).add(t);
      for (int i = 0; i < token.length(); i++) {
        String deleted = token.substring(0, i) + token.substring(i + 1);
        out.computeIfAbsent(f + "\u0001" + deleted, k -> new ArrayList<>(2)).add(t);
      }
    }
    return out;
  }

  /**
   * The block's tokens of the same field one edit away from term {@code t} with its first letter (itself included),
   * the closest 20, each with its similarity: {@code 1 - edits / shorter length}.
   */
  private static void expand(int t, List<String> termText, List<Integer> termField, int[] sizes,
      Map<String, List<Integer>> neighbourhoods, int[][] expansions, float[][] boosts) {
    int f = termField.get(t);
    String token = termText.get(t);
    java.util.TreeSet<Integer> candidates = new java.util.TreeSet<>();
    List<String> keys = new ArrayList<>();
    keys.add(f + "\u0000" + token);
    keys.add(f + "\u0001" + token);
    for (int i = 0; i < token.length(); i++) {
      String deleted = token.substring(0, i) + token.substring(i + 1);
      keys.add(f + "\u0000" + deleted);
      keys.add(f + "\u0001" + deleted);
    }
    for (String k : keys) {
      List<Integer> l = neighbourhoods.get(k);
      if (l != null) {
        candidates.addAll(l);
      }
    }
    List<int[]> kept = new ArrayList<>();
    for (int c : candidates) {
      String other = termText.get(c);
      if (c == t) {
        kept.add(new int[] {c, 0});
      } else if (other.length() >= 1 && other.charAt(0) == token.charAt(0) && PairScorer.withinEdits(token, other, 1)) {
        kept.add(new int[] {c, 1});
      }
    }
    // Closest first, then the more frequent, then by text: Lucene keeps the best-boosted variants.
    kept.sort((a, b) -> a[1] != b[1] ? Integer.compare(a[1], b[1])
        : sizes[a[0]] != sizes[b[0]] ? Integer.compare(sizes[b[0]], sizes[a[0]])
        : termText.get(a[0]).compareTo(termText.get(b[0])));
    int size = Math.min(MAX_EXPANSIONS, kept.size());
    expansions[t] = new int[size];
    boosts[t] = new float[size];
    for (int e = 0; e < size; e++) {
      int v = kept.get(e)[0];
      expansions[t][e] = v;
      boosts[t][e] = kept.get(e)[1] == 0 ? 1f
          : 1f - 1f / Math.min(token.length(), termText.get(v).length());
    }
  }
}
