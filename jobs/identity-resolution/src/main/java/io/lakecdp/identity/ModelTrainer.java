package io.lakecdp.identity;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Learns a {@link MatchModel} from unlabelled records, as Fellegi-Sunter models are trained:
 *
 * <ul>
 *   <li>u from random record pairs (nearly all non-matches): a deterministic sample of records (chosen by a
 *       hash of their id, so every run and every JVM picks the same) paired at random with a fixed seed;
 *   <li>m by expectation-maximisation over training blocks: for each comparison, the pairs of records sharing
 *       its key value (groups above {@code maxTrainingGroup} skipped). A block says nothing about the
 *       comparisons reading its key field, so those are left out of that block's EM and each comparison's
 *       m is the average over the blocks that did estimate it, weighted by their expected matches;
 *   <li>the prior from each block's expected matches divided by the share of matches that agree on the key and
 *       fall in a group the block could use (the median over blocks), over all record pairs. Groups above
 *       {@code maxTrainingGroup} hold the common values, more of them the more records there are: a block counts the
 *       share of the records sharing its key that are in the groups it used ({@code covered}), and only blocks that
 *       used most of them estimate the prior (all blocks when none did).
 * </ul>
 *
 * Only pattern counts (a few thousand rows) and the u sample reach the driver.
 */
final class ModelTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(ModelTrainer.class);
  static final int U_SAMPLE_RECORDS = Integer.getInteger("lakecdp.ir.u-sample-records", 20_000);
  static final int U_PAIRS = Integer.getInteger("lakecdp.ir.u-pairs", 600_000);
  /** Share of the records sharing a key value that a block must have trained on for it to estimate the prior. */
  static final double MIN_COVERED = 0.5;

  private ModelTrainer() {}

  /**
   * @param normalized {@code record_id}, then the normalized fields and term frequencies as the engine lays them out
   * @param fields the normalized fields' names
   */
  static MatchModel train(SparkSession spark, Dataset<Row> normalized, long records, RuleSet rules, List<String> fields) {
    long start = System.currentTimeMillis();
    List<Comparison> comparisons = rules.comparisons();
    PairScorer scorer = new PairScorer(rules, fields, null);
    int k = comparisons.size();
    int[] levelCounts = comparisons.stream().mapToInt(Comparison::levelCount).toArray();

    double[][] u = estimateU(normalized, records, scorer, levelCounts);
    long uMillis = System.currentTimeMillis() - start;

    int[] keyField = new int[k];
    boolean[][] active = new boolean[k][k];
    for (int b = 0; b < k; b++) {
      Comparison c = comparisons.get(b);
      String key = c.kind() == Comparison.Kind.LOCATION && c.fields().size() > 1 ? c.fields().get(1) : c.fields().get(0);
      keyField[b] = fields.indexOf(key);
      for (int x = 0; x < k; x++) {
        Comparison other = comparisons.get(x);
        // Names and e-mails read other fields only to qualify a level: their own value is the first field.
        active[b][x] = other.kind() == Comparison.Kind.NAME || other.kind() == Comparison.Kind.EMAIL
            ? !other.fields().get(0).equals(key) : !other.fields().contains(key);
      }
    }
    double[][] groupRecords = new double[k][2];
    Map<Integer, List<ExpectationMaximisation.Pattern>> byBlock = blockPatterns(normalized, scorer, keyField,
        rules.maxTrainingGroup(), groupRecords);
    ExpectationMaximisation.Estimate[] estimates = new ExpectationMaximisation.Estimate[k];
    for (int b = 0; b < k; b++) {
      List<ExpectationMaximisation.Pattern> patterns = byBlock.getOrDefault(b, List.of());
      estimates[b] = ExpectationMaximisation.run(patterns, levelCounts, active[b], u, 200);
      LOG.info("training block on {}: {} pairs, {} patterns, lambda {}, {} EM iterations", comparisons.get(b).name(),
          estimates[b].pairs(), patterns.size(), String.format("%.4f", estimates[b].lambda()), estimates[b].iterations());
    }
    double[][] m = new double[k][];
    List<String> unestimated = new ArrayList<>();
    for (int c = 0; c < k; c++) {
      double[] sum = new double[levelCounts[c]];
      double weight = 0;
      for (int b = 0; b < k; b++) {
        if (active[b][c] && estimates[b].pairs() > 0) {
          double w = estimates[b].expectedMatches();
          for (int l = 0; l < sum.length; l++) {
            sum[l] += w * estimates[b].m()[c][l];
          }
          weight += w;
        }
      }
      if (weight <= 0) {
        m[c] = ExpectationMaximisation.priorM(levelCounts[c]);
        unestimated.add(comparisons.get(c).name());
      } else {
        for (int l = 0; l < sum.length; l++) {
          sum[l] /= weight;
        }
        m[c] = sum;
      }
    }
    if (!unestimated.isEmpty()) {
      LOG.warn("m of {} could not be estimated (no training block without their fields held pairs): prior m used",
          unestimated);
    }
    // A block only holds pairs where both records have the key: divide by the chance of that too.
    List<org.apache.spark.sql.Column> present = new ArrayList<>();
    for (int b = 0; b < k; b++) {
      present.add(functions.count(functions.col("f" + keyField[b])));
    }
    Row presence = normalized.agg(present.get(0), present.subList(1, k).toArray(new org.apache.spark.sql.Column[0])).first();
    List<Double> totals = new ArrayList<>();
    List<Double> mostlyCovered = new ArrayList<>();
    double[] covered = new double[k];
    for (int b = 0; b < k; b++) {
      double share = records == 0 ? 0 : presence.getLong(b) / (double) records;
      // The records in the groups this block used, of all records sharing a value of its key with another.
      covered[b] = groupRecords[b][0] == 0 ? 1.0 : groupRecords[b][1] / groupRecords[b][0];
      double agree = m[b][0] * share * share * covered[b];
      if (estimates[b].pairs() > 0 && estimates[b].expectedMatches() >= 1 && agree > 0.005) {
        double total = estimates[b].expectedMatches() / agree;
        totals.add(total);
        if (covered[b] >= MIN_COVERED) {
          mostlyCovered.add(total);
        }
      }
    }
    double allPairs = Math.max(1.0, records * (records - 1) / 2.0);
    double matches = totals.isEmpty() ? records * 0.1 : median(mostlyCovered.isEmpty() ? totals : mostlyCovered);
    double prior = Math.min(0.5, Math.max(1e-12, matches / allPairs));

    Map<String, Object> training = new LinkedHashMap<>();
    training.put("records", records);
    training.put("u_pairs_sampled", Math.min((long) U_PAIRS, records * (records - 1) / 2));
    training.put("estimated_matching_pairs", Math.round(matches));
    Map<String, Object> blocks = new LinkedHashMap<>();
    for (int b = 0; b < k; b++) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("pairs", estimates[b].pairs());
      e.put("match_share", estimates[b].lambda());
      e.put("covered", covered[b]);
      e.put("em_iterations", estimates[b].iterations());
      blocks.put(comparisons.get(b).name(), e);
    }
    training.put("blocks", blocks);
    training.put("u_ms", uMillis);
    training.put("ms", System.currentTimeMillis() - start);
    MatchModel model = new MatchModel(comparisons.stream().map(Comparison::name).toList(),
        comparisons.stream().map(c -> c.kind().levels()).toList(), prior, m, u, MatchModel.hashOf(comparisons), training);
    LOG.info("match model trained in {} ms: prior {} ({} matching pairs estimated among {} records)",
        System.currentTimeMillis() - start, String.format("%.3g", prior), Math.round(matches), records);
    return model;
  }

  /** u per comparison and level from random pairs of a deterministic sample of records. */
  private static double[][] estimateU(Dataset<Row> normalized, long records, PairScorer scorer, int[] levelCounts) {
    long modulus = 1_000_000;
    long keep = records <= U_SAMPLE_RECORDS ? modulus : Math.max(1, modulus * 2L * U_SAMPLE_RECORDS / records);
    List<Row> rows = normalized
        .filter(functions.pmod(functions.xxhash64(functions.col(ResolutionEngine.ID)), functions.lit(modulus)).lt(keep))
        .collectAsList();
    List<String[]> sample = new ArrayList<>();
    for (Row r : rows) {
      sample.add(strings(r));
    }
    sample.sort((x, y) -> x[0].compareTo(y[0]));
    if (sample.size() > U_SAMPLE_RECORDS) {
      sample = new ArrayList<>(sample.subList(0, U_SAMPLE_RECORDS));
    }
    int n = sample.size();
    long[][] counts = new long[levelCounts.length][];
    for (int c = 0; c < counts.length; c++) {
      counts[c] = new long[levelCounts[c]];
    }
    long possible = (long) n * (n - 1) / 2;
    if (possible <= U_PAIRS) {
      for (int i = 0; i < n; i++) {
        for (int j = i + 1; j < n; j++) {
          add(counts, scorer.levels(sample.get(i), sample.get(j), 1));
        }
      }
    } else {
      Random random = new Random(20_240_601L);
      for (int p = 0; p < U_PAIRS; p++) {
        int i = random.nextInt(n);
        int j = random.nextInt(n - 1);
        if (j >= i) {
          j++;
        }
        add(counts, scorer.levels(sample.get(i), sample.get(j), 1));
      }
    }
    double[][] u = new double[counts.length][];
    for (int c = 0; c < counts.length; c++) {
      long total = Arrays.stream(counts[c]).sum();
      u[c] = new double[counts[c].length];
      for (int l = 0; l < u[c].length; l++) {
        // A level never seen among random pairs is rarer than one in the pairs looked at.
        u[c][l] = total == 0 ? 1.0 / u[c].length : Math.max(counts[c][l], 0.5) / (total + 0.5);
      }
      Comparison cmp = scorer.comparisons().get(c);
      if (cmp.kind() == Comparison.Kind.EMAIL && cmp.fields().size() >= 3) {
        double names = cmp.nameLocalPartU(sample, scorer.positions(c), 1);
        if (!Double.isNaN(names)) {
          u[c][2] = Math.max(u[c][2], names);
        }
      }
    }
    return u;
  }

  private static void add(long[][] counts, int[] levels) {
    for (int c = 0; c < levels.length; c++) {
      if (levels[c] >= 0) {
        counts[c][levels[c]]++;
      }
    }
  }

  private static final StructType PATTERN_SCHEMA = new StructType().add("block", DataTypes.IntegerType)
      .add("a", DataTypes.StringType).add("b", DataTypes.StringType).add("pattern", DataTypes.LongType)
      .add("weight", DataTypes.LongType);

  /**
   * Per training block: the comparison patterns of pairs of records sharing the block's key value.
   *
   * @param groupRecords filled per block: the records in groups of two or more sharing a key value, and those of them
   *     in groups of at most {@code maxGroup} (the groups trained on)
   */
  private static Map<Integer, List<ExpectationMaximisation.Pattern>> blockPatterns(Dataset<Row> normalized,
      PairScorer scorer, int[] keyField, int maxGroup, double[][] groupRecords) {
    int width = normalized.columns().length;
    StructType keyed = new StructType().add("k", DataTypes.StringType)
        .add("v", DataTypes.createArrayType(DataTypes.StringType));
    FlatMapFunction<Row, Row> keys = r -> {
      String[] v = strings(r);
      List<Row> out = new ArrayList<>();
      for (int b = 0; b < keyField.length; b++) {
        String value = v[keyField[b] + 1];
        if (value == null) {
          continue;
        }
        for (String part : new java.util.TreeSet<>(List.of(value.split(Comparison.MULTI)))) {
          if (!part.isEmpty()) {
            out.add(RowFactory.create(b + "\u0001" + part, v));
          }
        }
      }
      return out.iterator();
    };
    // The pairs of each group trained on; then, per partition, one row per block and group size (block: -1 - block,
    // pattern: the size, weight: how many groups), whose {@code a} no record id can be.
    org.apache.spark.api.java.function.MapPartitionsFunction<Row, Row> pairs = groups -> {
      List<Row> out = new ArrayList<>();
      Map<Long, Long> groupsBySize = new HashMap<>(); // block << 32 | size -> groups
      while (groups.hasNext()) {
        Row g = groups.next();
        String key = g.getString(0);
        int block = Integer.parseInt(key.substring(0, key.indexOf('\u0001')));
        List<scala.collection.Seq<String>> members = g.getList(1);
        groupsBySize.merge((long) block << 32 | members.size(), 1L, Long::sum);
        if (members.size() > maxGroup) {
          continue;
        }
        List<String[]> rs = new ArrayList<>();
        for (scala.collection.Seq<String> m : members) {
          rs.add(scala.collection.JavaConverters.seqAsJavaList(m).toArray(new String[width]));
        }
        for (int x = 0; x < rs.size(); x++) {
          for (int y = x + 1; y < rs.size(); y++) {
            String[] a = rs.get(x);
            String[] b = rs.get(y);
            int cmp = a[0].compareTo(b[0]);
            if (cmp == 0) {
              continue;
            }
            out.add(RowFactory.create(block, cmp < 0 ? a[0] : b[0], cmp < 0 ? b[0] : a[0], encode(scorer.levels(a, b, 1)),
                1L));
          }
        }
      }
      String partition = "\u0000" + org.apache.spark.TaskContext.getPartitionId() + ":";
      groupsBySize.forEach((blockAndSize, count) -> {
        int block = (int) (blockAndSize >>> 32);
        long size = blockAndSize & 0xffffffffL;
        out.add(RowFactory.create(-1 - block, partition + size, null, size, count));
      });
      return out.iterator();
    };
    List<Row> counted = normalized.flatMap(keys, Encoders.row(keyed))
        .groupBy("k").agg(functions.collect_list("v").as("members"))
        .filter(functions.size(functions.col("members")).geq(2))
        .mapPartitions(pairs, Encoders.row(PATTERN_SCHEMA))
        .dropDuplicates("block", "a", "b")
        .groupBy("block", "pattern").agg(functions.sum("weight"))
        .collectAsList();
    Map<Integer, List<ExpectationMaximisation.Pattern>> out = new HashMap<>();
    int k = keyField.length;
    for (Row r : counted) {
      if (r.getInt(0) < 0) {
        long size = r.getLong(1);
        double[] records = groupRecords[-1 - r.getInt(0)];
        records[0] += size * (double) r.getLong(2);
        if (size <= maxGroup) {
          records[1] += size * (double) r.getLong(2);
        }
        continue;
      }
      out.computeIfAbsent(r.getInt(0), b -> new ArrayList<>())
          .add(new ExpectationMaximisation.Pattern(decode(r.getLong(1), k), r.getLong(2)));
    }
    out.values().forEach(l -> l.sort((x, y) -> Arrays.compare(x.levels(), y.levels())));
    return out;
  }

  /** Levels packed 4 bits each (level + 1; 0 is missing). */
  static long encode(int[] levels) {
    long code = 0;
    for (int c = 0; c < levels.length; c++) {
      code |= (long) (levels[c] + 1) << (4 * c);
    }
    return code;
  }

  static int[] decode(long code, int k) {
    int[] out = new int[k];
    for (int c = 0; c < k; c++) {
      out[c] = (int) ((code >>> (4 * c)) & 0xF) - 1;
    }
    return out;
  }

  static String[] strings(Row r) {
    String[] v = new String[r.length()];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.isNullAt(i) ? null : r.get(i).toString();
    }
    return v;
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(Double::compare);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
