package io.lakecdp.identity;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.codec.language.DoubleMetaphone;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Identity resolution over a table of profiles ({@code record_id} and one string column per rule
 * field): normalize, find candidates (exact keys, then per-partition Lucene retrieval), score pairs
 * against the rules, and cluster the matched pairs with distributed connected components. Nothing is
 * collected to the driver but counts and the few keys that are too frequent to use.
 */
public final class ResolutionEngine {
  private static final Logger LOG = LoggerFactory.getLogger(ResolutionEngine.class);
  public static final String ID = "record_id";
  static final String COMPOSITE_SEPARATOR = "\u0002";
  static final StructType EDGE_SCHEMA = new StructType().add("a", DataTypes.StringType).add("b", DataTypes.StringType)
      .add("rule", DataTypes.StringType).add("scores", DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType));
  /** Target number of records in one partition's Lucene index. */
  static final long DOCS_PER_INDEX = Long.getLong("lakecdp.ir.docs-per-index", 4_000);

  private final SparkSession spark;
  private final RuleSet rules;
  private final List<String> fields;

  public ResolutionEngine(SparkSession spark, RuleSet rules) {
    this.spark = spark;
    this.rules = rules;
    this.fields = new ArrayList<>(rules.fields().keySet());
  }

  /** What a run found. {@code edges}: matched pairs with rule and scores; {@code clusters}: record to cluster id. */
  public record Result(Dataset<Row> edges, Dataset<Row> clusters, long records, long candidatePairs, long matchedPairs,
      int iterations, long oversizedClusters, Map<String, Long> stageMillis, Map<String, Long> lucenePartitionsByExecutor) {}

  public Result resolve(Dataset<Row> profiles) {
    Map<String, Long> stages = new LinkedHashMap<>();
    long t0 = System.nanoTime();
    Dataset<Row> normalized = normalize(profiles).persist(StorageLevel.MEMORY_AND_DISK());
    long records = normalized.count();
    long t1 = System.nanoTime();
    stages.put("normalizing", (t1 - t0) / 1_000_000);
    // Pairs are decided where they are found, with both records' values at hand: no candidate
    // pairs are shuffled or joined back to their records.
    PairScorer scorer = new PairScorer(rules, fields);
    LongAccumulator scored = spark.sparkContext().longAccumulator("lakecdp.pairs-scored");
    LongAccumulator skippedKeys = spark.sparkContext().longAccumulator("lakecdp.exact-keys-skipped");
    org.apache.spark.util.CollectionAccumulator<String> executors =
        spark.sparkContext().collectionAccumulator("lakecdp.lucene-executors");
    Dataset<Row> edges = exactMatches(normalized, scorer, scored, skippedKeys)
        .union(luceneMatches(normalized, records, scorer, scored, executors))
        .dropDuplicates("a", "b").persist(StorageLevel.MEMORY_AND_DISK());
    long matched = edges.count();
    long candidatePairs = scored.value();
    if (skippedKeys.value() > 0) {
      LOG.warn("{} exact key(s) are shared by more than {} records (placeholders, or keys too common to say much on their"
          + " own); they were not used to find candidates",
          skippedKeys.value(), rules.maxExactGroup());
    }
    long t2 = System.nanoTime();
    stages.put("candidates_and_scoring", (t2 - t1) / 1_000_000);
    // Which executor JVM built each partition's Lucene index (a retried partition counts once per attempt).
    Map<String, Long> byExecutor = new java.util.TreeMap<>();
    executors.value().forEach(e -> byExecutor.merge(e, 1L, Long::sum));
    LOG.info("Lucene indexes built in {} executor(s): partitions per executor {}", byExecutor.size(), byExecutor);
    LOG.info("{} records, {} candidate pairs scored ({} per record), {} matched a rule, in {} s", records,
        candidatePairs, String.format("%.1f", records == 0 ? 0.0 : candidatePairs / (double) records), matched,
        (t2 - t1) / 1_000_000_000);
    long t3 = t2;
    ConnectedComponents.Components cc = ConnectedComponents.of(spark, normalized.select(ID), edges.select("a", "b"));
    Dataset<Row> clusters = cc.labels();
    long oversized = 0;
    if (rules.maxClusterSize() > 0) {
      OverMergeGuard.Guarded guarded = OverMergeGuard.apply(spark, clusters, edges, rules);
      clusters = guarded.clusters();
      oversized = guarded.oversized();
    }
    stages.put("clustering", (System.nanoTime() - t3) / 1_000_000);
    return new Result(edges, clusters, records, candidatePairs, matched, cc.iterations(), oversized, stages, byExecutor);
  }

  /** {@code record_id}, one normalized column per field (in {@link #fields} order) as {@code f0..fn}. */
  Dataset<Row> normalize(Dataset<Row> profiles) {
    List<Normalizer> normalizers = new ArrayList<>(rules.fields().values());
    StructType schema = new StructType().add(ID, DataTypes.StringType, false);
    for (int i = 0; i < fields.size(); i++) {
      schema = schema.add("f" + i, DataTypes.StringType, true);
    }
    List<Column> cols = new ArrayList<>();
    cols.add(functions.col(ID).cast(DataTypes.StringType));
    for (String f : fields) {
      cols.add(RuleSet.columnsOf(f).size() == 1 ? functions.col("`" + f + "`").cast(DataTypes.StringType)
          : functions.concat_ws(COMPOSITE_SEPARATOR, RuleSet.columnsOf(f).stream()
              .map(c -> functions.col("`" + c + "`").cast(DataTypes.StringType)).toArray(Column[]::new)));
    }
    MapPartitionsFunction<Row, Row> fn = normalizing(normalizers);
    return profiles.select(cols.toArray(new Column[0])).mapPartitions(fn, Encoders.row(schema));
  }

  /**
   * Matched pairs among records sharing the exact values of some rule's exact criteria, decided within
   * each key's group; keys shared by more than maxExactGroup records are skipped and logged.
   */
  private Dataset<Row> exactMatches(Dataset<Row> normalized, PairScorer scorer, LongAccumulator scored,
      LongAccumulator skipped) {
    List<Column> keys = new ArrayList<>();
    for (int r = 0; r < rules.rules().size(); r++) {
      List<Column> parts = new ArrayList<>();
      for (MatchCriterion c : rules.rules().get(r).criteria()) {
        if (c.exact() && !c.matchOnBlank()) {
          parts.add(functions.col("f" + fields.indexOf(c.field())));
        }
      }
      if (parts.isEmpty()) {
        continue;
      }
      Column all = functions.lit(true);
      for (Column p : parts) {
        all = all.and(p.isNotNull());
      }
      parts.add(0, functions.lit(String.valueOf(r)));
      keys.add(functions.when(all, functions.concat_ws("\u0001", parts.toArray(new Column[0]))));
    }
    if (keys.isEmpty()) {
      return spark.createDataFrame(List.of(), EDGE_SCHEMA);
    }
    List<Column> values = new ArrayList<>();
    values.add(functions.col(ID));
    for (int i = 0; i < fields.size(); i++) {
      values.add(functions.col("f" + i));
    }
    Dataset<Row> keyed = normalized.select(functions.explode(functions.array(keys.toArray(new Column[0]))).as("k"),
            functions.array(values.toArray(new Column[0])).as("v"))
        .filter("k IS NOT NULL");
    int maxGroup = rules.maxExactGroup();
    Dataset<Row> groups = keyed.groupBy("k").agg(functions.collect_list("v").as("members"));
    MapPartitionsFunction<Row, Row> fn = it -> {
      List<Row> out = new ArrayList<>();
      long pairs = 0;
      while (it.hasNext()) {
        List<scala.collection.Seq<String>> members = it.next().getList(0);
        if (members.size() > maxGroup) {
          skipped.add(1);
          continue;
        }
        for (int x = 0; x < members.size(); x++) {
          String[] a = values(members.get(x));
          for (int y = x + 1; y < members.size(); y++) {
            String[] b = values(members.get(y));
            int cmp = a[0].compareTo(b[0]);
            if (cmp == 0) {
              continue;
            }
            pairs++;
            Row edge = cmp < 0 ? decide(scorer, a, b) : decide(scorer, b, a);
            if (edge != null) {
              out.add(edge);
            }
          }
        }
      }
      scored.add(pairs);
      return out.iterator();
    };
    return groups.select("members").mapPartitions(fn, Encoders.row(EDGE_SCHEMA));
  }

  /** Matched pairs found by per-partition Lucene retrieval over records sharing a phonetic block. */
  private Dataset<Row> luceneMatches(Dataset<Row> normalized, long rows, PairScorer scorer, LongAccumulator scored,
      org.apache.spark.util.CollectionAccumulator<String> executors) {
    List<String> fuzzyFields = rules.fuzzyFields();
    if (fuzzyFields.isEmpty()) {
      return spark.createDataFrame(List.of(), EDGE_SCHEMA);
    }
    boolean[] fuzzy = new boolean[fields.size()];
    boolean[] names = new boolean[fields.size()];
    List<Column> blockKeys = new ArrayList<>();
    for (int i = 0; i < fields.size(); i++) {
      boolean composite = RuleSet.columnsOf(fields.get(i)).size() > 1;
      fuzzy[i] = fuzzyFields.contains(fields.get(i)) && !composite;
      names[i] = rules.fields().get(fields.get(i)) == Normalizer.NAME && !composite;
      if (fuzzy[i] && names[i]) {
        blockKeys.add(functions.concat(functions.lit(i + ":"), PHONETIC.apply(functions.col("f" + i))));
      }
    }
    if (blockKeys.isEmpty()) {
      int first = fields.indexOf(fuzzyFields.get(0));
      blockKeys.add(functions.concat(functions.lit(first + ":"), functions.substring(functions.col("f" + first), 1, 3)));
    }
    Dataset<Row> blocked = normalized.withColumn("block", functions.explode(functions.array(blockKeys.toArray(new Column[0]))))
        .filter("block IS NOT NULL");
    blocked = splitLargeBlocks(blocked);
    // A query's cost grows with the partition's index, not with its block: many small partitions
    // (each holding a few whole blocks) keep every index small. Explicit count, so AQE keeps it.
    long docs = rows * blockKeys.size();
    int partitions = (int) Math.max(spark.sparkContext().defaultParallelism(), Math.min(20_000, docs / DOCS_PER_INDEX + 1));
    LOG.info("Lucene retrieval: about {} indexed records in {} partitions", docs, partitions);
    int topK = rules.maxCandidates();
    return blocked.repartition(partitions, functions.col("block"))
        .mapPartitions((MapPartitionsFunction<Row, Row>) it -> {
          executors.add(org.apache.spark.SparkEnv.get().executorId());
          return LuceneCandidates.matches(it, fuzzy, names, topK, scorer, scored);
        }, Encoders.row(EDGE_SCHEMA));
  }

  /** A block holding more than maxBlockSize records is split by the first letter of every other fuzzy field. */
  private Dataset<Row> splitLargeBlocks(Dataset<Row> blocked) {
    List<String> large = blocked.groupBy("block").count().filter(functions.col("count").gt(rules.maxBlockSize()))
        .select("block").as(Encoders.STRING()).collectAsList();
    if (large.isEmpty()) {
      return blocked;
    }
    LOG.warn("{} retrieval block(s) hold more than {} records and are split by a second key: {}", large.size(),
        rules.maxBlockSize(), large.size() > 10 ? large.subList(0, 10) + "..." : large);
    List<Column> initials = new ArrayList<>();
    for (String f : rules.fuzzyFields()) {
      initials.add(functions.coalesce(functions.substring(functions.col("f" + fields.indexOf(f)), 1, 1), functions.lit("")));
    }
    Column suffix = functions.concat_ws("|", initials.toArray(new Column[0]));
    return blocked.withColumn("block", functions.when(functions.col("block").isin(large.toArray()),
        functions.concat(functions.col("block"), functions.lit("/"), suffix)).otherwise(functions.col("block")));
  }

  private static final java.util.function.Function<Column, Column> PHONETIC = col -> {
    org.apache.spark.sql.expressions.UserDefinedFunction udf = functions.udf(
        (org.apache.spark.sql.api.java.UDF1<String, String>) v -> {
          if (v == null) {
            return null;
          }
          int space = v.indexOf(' ');
          String first = space < 0 ? v : v.substring(0, space);
          String code = new DoubleMetaphone().doubleMetaphone(first);
          return code == null || code.isEmpty() ? first : code;
        }, DataTypes.StringType);
    return udf.apply(col);
  };

  /**
   * A composite field ({@code given_name+surname}) is the sorted set of its parts' normalized tokens, so
   * swapped parts compare equal; a plain field is just normalized.
   */
  static String normalizeValue(Normalizer normalizer, String value) {
    if (value == null || value.indexOf(COMPOSITE_SEPARATOR.charAt(0)) < 0) {
      return normalizer.apply(value);
    }
    java.util.TreeSet<String> tokens = new java.util.TreeSet<>();
    for (String part : value.split(COMPOSITE_SEPARATOR)) {
      String n = normalizer.apply(part);
      if (n != null) {
        tokens.addAll(List.of(n.split(" ")));
      }
    }
    return tokens.isEmpty() ? null : String.join(" ", tokens);
  }

  /** Static, so the function Spark ships holds only the normalizers, not the engine. */
  private static MapPartitionsFunction<Row, Row> normalizing(List<Normalizer> normalizers) {
    int n = normalizers.size();
    return it -> new java.util.Iterator<>() {
      @Override
      public boolean hasNext() {
        return it.hasNext();
      }

      @Override
      public Row next() {
        Row r = it.next();
        Object[] v = new Object[n + 1];
        v[0] = r.getString(0);
        for (int i = 0; i < n; i++) {
          v[i + 1] = normalizeValue(normalizers.get(i), r.getString(i + 1));
        }
        return RowFactory.create(v);
      }
    };
  }

  /** The matched edge of records {@code a} and {@code b} ({@code [id, values...]}, a's id first), or null. */
  static Row decide(PairScorer scorer, String[] a, String[] b) {
    PairScorer.Decision d = scorer.score(a, b, 1);
    if (d.rule() == null) {
      return null;
    }
    return RowFactory.create(a[0], b[0], d.rule(),
        scala.collection.JavaConverters.mapAsScalaMapConverter(new LinkedHashMap<>(d.scores())).asScala());
  }

  private static String[] values(scala.collection.Seq<String> seq) {
    return scala.collection.JavaConverters.seqAsJavaList(seq).toArray(new String[0]);
  }
}
