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
      int iterations, long oversizedClusters) {}

  public Result resolve(Dataset<Row> profiles) {
    Dataset<Row> normalized = normalize(profiles).persist(StorageLevel.MEMORY_AND_DISK());
    long records = normalized.count();
    Dataset<Row> candidates = exactCandidates(normalized).union(luceneCandidates(normalized, records)).distinct()
        .persist(StorageLevel.MEMORY_AND_DISK());
    long candidatePairs = candidates.count();
    LOG.info("{} records, {} candidate pairs ({} per record)", records, candidatePairs,
        String.format("%.1f", records == 0 ? 0.0 : candidatePairs / (double) records));
    Dataset<Row> edges = score(candidates, normalized).persist(StorageLevel.MEMORY_AND_DISK());
    long matched = edges.count();
    LOG.info("{} pairs matched a rule", matched);
    ConnectedComponents.Components cc = ConnectedComponents.of(spark, normalized.select(ID), edges.select("a", "b"));
    Dataset<Row> clusters = cc.labels();
    long oversized = 0;
    if (rules.maxClusterSize() > 0) {
      OverMergeGuard.Guarded guarded = OverMergeGuard.apply(spark, clusters, edges, rules);
      clusters = guarded.clusters();
      oversized = guarded.oversized();
    }
    candidates.unpersist();
    return new Result(edges, clusters, records, candidatePairs, matched, cc.iterations(), oversized);
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

  /** Pairs sharing the exact values of some rule's exact criteria; too frequent keys are skipped and logged. */
  private Dataset<Row> exactCandidates(Dataset<Row> normalized) {
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
    StructType pairSchema = new StructType().add("a", DataTypes.StringType).add("b", DataTypes.StringType);
    if (keys.isEmpty()) {
      return spark.createDataFrame(List.of(), pairSchema);
    }
    Dataset<Row> keyed = normalized.select(functions.col(ID),
        functions.explode(functions.array(keys.toArray(new Column[0]))).as("k")).filter("k IS NOT NULL");
    Dataset<Row> sizes = keyed.groupBy("k").count();
    long skipped = sizes.filter(functions.col("count").gt(rules.maxExactGroup())).count();
    if (skipped > 0) {
      LOG.warn("{} exact key(s) are shared by more than {} records (placeholders?); they are not used to find candidates",
          skipped, rules.maxExactGroup());
    }
    Dataset<Row> usable = keyed.join(sizes.filter(functions.col("count").leq(rules.maxExactGroup())).select("k"), "k");
    Dataset<Row> left = usable.select(functions.col("k"), functions.col(ID).as("a"));
    Dataset<Row> right = usable.select(functions.col("k").as("k2"), functions.col(ID).as("b"));
    return left.join(right, left.col("k").equalTo(right.col("k2")).and(left.col("a").lt(right.col("b"))))
        .select("a", "b");
  }

  /** Pairs found by per-partition Lucene retrieval over records sharing a phonetic block. */
  private Dataset<Row> luceneCandidates(Dataset<Row> normalized, long rows) {
    List<String> fuzzyFields = rules.fuzzyFields();
    StructType pairSchema = new StructType().add("a", DataTypes.StringType).add("b", DataTypes.StringType);
    if (fuzzyFields.isEmpty()) {
      return spark.createDataFrame(List.of(), pairSchema);
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
    int partitions = (int) Math.max(spark.sparkContext().defaultParallelism(), Math.min(2000, rows / 20_000 + 1));
    int topK = rules.maxCandidates();
    StructType outSchema = pairSchema;
    return blocked.repartition(partitions, functions.col("block"))
        .mapPartitions((MapPartitionsFunction<Row, Row>) it -> LuceneCandidates.pairs(it, fuzzy, names, topK),
            Encoders.row(outSchema));
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

  /** Candidate pairs scored against the rules; only matched pairs are kept, with their rule and scores. */
  private Dataset<Row> score(Dataset<Row> candidates, Dataset<Row> normalized) {
    int n = fields.size();
    List<Column> aCols = new ArrayList<>();
    List<Column> bCols = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      aCols.add(functions.col("f" + i));
    }
    Dataset<Row> packed = normalized.select(functions.col(ID), functions.array(aCols.toArray(new Column[0])).as("v"));
    Dataset<Row> joined = candidates
        .join(packed.withColumnRenamed(ID, "a").withColumnRenamed("v", "va"), "a")
        .join(packed.withColumnRenamed(ID, "b").withColumnRenamed("v", "vb"), "b")
        .select("a", "b", "va", "vb");
    PairScorer scorer = new PairScorer(rules, fields);
    StructType edgeSchema = new StructType().add("a", DataTypes.StringType).add("b", DataTypes.StringType)
        .add("rule", DataTypes.StringType).add("scores", DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType));
    MapPartitionsFunction<Row, Row> fn = scoring(scorer);
    return joined.mapPartitions(fn, Encoders.row(edgeSchema));
  }

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

  /** Static, so the function Spark ships holds only the scorer. Lazy: pairs are never buffered. */
  private static MapPartitionsFunction<Row, Row> scoring(PairScorer scorer) {
    return it -> new io.lakecdp.common.spark.SkippingIterator<Row, Row>(it, r -> {
      PairScorer.Decision d = scorer.score(strings(r.getList(2)), strings(r.getList(3)));
      if (d.rule() == null) {
        return null;
      }
      Map<String, Double> scores = new LinkedHashMap<>(d.scores());
      return RowFactory.create(r.getString(0), r.getString(1), d.rule(),
          scala.collection.JavaConverters.mapAsScalaMapConverter(scores).asScala());
    });
  }

  private static String[] strings(List<Object> values) {
    String[] out = new String[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (String) values.get(i);
    }
    return out;
  }
}
