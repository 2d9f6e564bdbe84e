package io.lakecdp.identity;

import io.lakecdp.common.normalize.Normalizer;
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
 * Identity resolution over a table of profiles ({@code record_id} and one string column per field the
 * configuration names; multi-valued fields hold their values joined by {@link Comparison#MULTI}):
 * normalize, learn the match weights when the configuration has comparisons and no trained model is
 * given, find candidates (exact keys, then per-partition ranked retrieval), decide pairs, and cluster the
 * matched pairs with distributed connected components. Nothing is collected to the driver but counts,
 * the training sample and patterns, and the few keys that are too frequent to use.
 */
public final class ResolutionEngine {
  private static final Logger LOG = LoggerFactory.getLogger(ResolutionEngine.class);
  public static final String ID = "record_id";
  static final String COMPOSITE_SEPARATOR = "\u0002";
  static final StructType EDGE_SCHEMA = new StructType().add("a", DataTypes.StringType).add("b", DataTypes.StringType)
      .add("rule", DataTypes.StringType).add("scores", DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType))
      .add("levels", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType))
      .add("matched", DataTypes.BooleanType);
  /** Target number of block members in one retrieval partition. */
  static final long DOCS_PER_INDEX = Long.getLong("lakecdp.ir.docs-per-index", 4_000);
  /** Block rows per record, roughly (names, birth date, e-mail local part, postal code, exact keys), to size partitions. */
  private static final long BLOCK_KINDS_ESTIMATE = 5;

  private final SparkSession spark;
  private final RuleSet rules;
  private final List<String> fields;

  public ResolutionEngine(SparkSession spark, RuleSet rules) {
    this.spark = spark;
    this.rules = rules;
    this.fields = new ArrayList<>(rules.fields().keySet());
  }

  /**
   * What a run found. {@code edges}: matched pairs with rule, scores, levels and the units that found them
   * ({@code found_by}); {@code scored}: those and, when asked for, the pairs kept below the threshold
   * ({@code matched} false); {@code clusters}: record to cluster id; {@code weakLinksCut}: single weak links between
   * groups of strongly linked records that were not followed ({@link WeakLinks}); {@code model}: the weights used
   * (null for rules only).
   */
  public record Result(Dataset<Row> edges, Dataset<Row> scored, Dataset<Row> clusters, long records, long candidatePairs,
      long matchedPairs, int iterations, long oversizedClusters, long weakLinksCut, Map<String, Long> stageMillis,
      Map<String, Long> retrievalPartitionsByExecutor, MatchModel model) {}

  /**
   * What the last run left to build on: the signatures of its units (sorted) and its matched pairs with
   * {@code found_by} (the ids of the units that found them). A unit whose signature is known is not searched again; a
   * pair is kept while one of the units that found it is unchanged.
   */
  public record Previous(long[] units, Dataset<Row> edges) {}

  /**
   * The matching half of a run: the normalized profiles, the decided pairs ({@code kept}, {@code edges} as in
   * {@link Result}), this run's units ({@code unit}: its key's id, {@code signature}: of its content, {@code fresh}:
   * searched in this run), the term
   * frequencies used ({@code j, value, tf}; null without comparisons that use them).
   */
  public record Matching(Dataset<Row> normalized, Dataset<Row> kept, Dataset<Row> edges, Dataset<Row> units,
      Dataset<Row> frequencies, long records, long candidatePairs, long matchedPairs, long unitsSearched,
      Map<String, Long> stageMillis, Map<String, Long> retrievalPartitionsByExecutor, MatchModel model,
      double thresholdWeight, List<Dataset<Row>> persisted) {
    /** Frees what the matching kept in memory (call when the run is done with its datasets). */
    public void release() {
      persisted.forEach(Dataset::unpersist);
    }
  }

  /**
   * The clustering half: {@code components}, the connected components of the matched pairs ({@code record_id,
   * component_id}); {@code clusters}, after weak links are cut and oversized clusters split ({@code record_id,
   * cluster_id}).
   */
  public record Clustering(Dataset<Row> components, Dataset<Row> clusters, int iterations, long oversizedClusters,
      long weakLinksCut) {}

  public Result resolve(Dataset<Row> profiles) {
    return resolve(profiles, null, Double.NaN);
  }

  /**
   * @param trained weights to use; null trains them on these profiles (configurations with comparisons)
   * @param keepProbability also keep unmatched pairs reaching this match probability (NaN: matched only)
   */
  public Result resolve(Dataset<Row> profiles, MatchModel trained, double keepProbability) {
    Matching m = match(profiles, trained, keepProbability, null, null);
    long t = System.nanoTime();
    Clustering c = cluster(m.normalized().select(ID), m.edges(), m.thresholdWeight());
    Map<String, Long> stages = new LinkedHashMap<>(m.stageMillis());
    stages.put("clustering", (System.nanoTime() - t) / 1_000_000);
    return new Result(m.edges(), m.kept(), c.clusters(), m.records(), m.candidatePairs(), m.matchedPairs(), c.iterations(),
        c.oversizedClusters(), c.weakLinksCut(), stages, m.retrievalPartitionsByExecutor(), m.model());
  }

  /**
   * Normalizes, trains when needed, and decides the candidate pairs of every unit the last run did not search.
   *
   * @param trained weights to use; null trains them on these profiles (configurations with comparisons)
   * @param keepProbability also keep unmatched pairs reaching this match probability (NaN: matched only)
   * @param previous what the last run found (null: search every unit)
   * @param frequencies term frequencies to use ({@code j, value, tf}); null counts them on these profiles
   */
  public Matching match(Dataset<Row> profiles, MatchModel trained, double keepProbability, Previous previous,
      Dataset<Row> frequencies) {
    Map<String, Long> stages = new LinkedHashMap<>();
    long t0 = System.nanoTime();
    List<Comparison> tfComparisons = PairScorer.termFrequencyComparisons(rules);
    // Kept in memory only when the term frequencies are counted on it here (it is read twice then).
    Dataset<Row> base = normalizeFields(profiles);
    if (!tfComparisons.isEmpty() && frequencies == null) {
      base = base.persist(StorageLevel.MEMORY_AND_DISK());
    }
    Dataset<Row> tf = tfComparisons.isEmpty() ? null
        : frequencies != null ? frequencies : termFrequencies(base).transform(Materialized::of);
    Dataset<Row> normalized = withTermFrequencies(base, tf).persist(StorageLevel.MEMORY_AND_DISK());
    long records = normalized.count();
    long t1 = System.nanoTime();
    stages.put("normalizing", (t1 - t0) / 1_000_000);
    MatchModel model = trained;
    if (rules.probabilistic() && model == null) {
      model = ModelTrainer.train(spark, normalized, records, rules, fields);
      long tt = System.nanoTime();
      stages.put("training", (tt - t1) / 1_000_000);
      t1 = tt;
    }
    // Pairs are decided where they are found, with both records' values at hand: no candidate
    // pairs are shuffled or joined back to their records.
    PairScorer scorer = new PairScorer(rules, fields, model, keepProbability);
    LongAccumulator scored = spark.sparkContext().longAccumulator("lakecdp.pairs-scored");
    LongAccumulator skippedKeys = spark.sparkContext().longAccumulator("lakecdp.exact-keys-skipped");
    org.apache.spark.util.CollectionAccumulator<String> executors =
        spark.sparkContext().collectionAccumulator("lakecdp.retrieval-executors");
    long[] knownUnits = previous == null ? new long[0] : previous.units();
    org.apache.spark.broadcast.Broadcast<long[]> known =
        new org.apache.spark.api.java.JavaSparkContext(spark.sparkContext()).broadcast(knownUnits);
    // Retrieval's rows go straight into one shuffle that brings every row of a pair (by its first record) and every
    // marker of a unit together, where they are merged in a hash table: one row per pair with the units that found
    // it. (A pair is found by about six units, mostly in different partitions; Spark's aggregation of these rows
    // sorted them, and copied their maps, at a quarter of retrieval's time.)
    int mergePartitions = (int) Math.max(spark.sparkContext().defaultParallelism(), Math.min(20_000, records / 100_000 + 1));
    org.apache.spark.rdd.RDD<org.apache.spark.sql.catalyst.InternalRow> shuffled =
        candidates(normalized, records, scorer, scored, skippedKeys, executors, known)
            .repartition(mergePartitions, functions.coalesce(functions.col("a"), functions.col("unit").cast(DataTypes.StringType)))
            .queryExecution().toRdd();
    Dataset<Row> merged = spark.internalCreateDataFrame(shuffled.toJavaRDD()
            .mapPartitions((org.apache.spark.api.java.function.FlatMapFunction<
                java.util.Iterator<org.apache.spark.sql.catalyst.InternalRow>, org.apache.spark.sql.catalyst.InternalRow>)
                Units::merge).rdd(), Units.MERGED, false)
        .persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> units = merged.filter("a IS NULL").select("unit", "signature", "fresh")
        .persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> pairs = merged.filter("a IS NOT NULL").drop("unit", "signature", "fresh");
    Dataset<Row> kept;
    if (previous == null) {
      kept = pairs.persist(StorageLevel.MEMORY_AND_DISK());
    } else {
      // The last run's pairs that a unit still unchanged found, merged with this run's.
      Dataset<Row> unchanged = units.filter("NOT fresh").select("unit");
      Dataset<Row> before = previous.edges().withColumn("matched", functions.lit(true))
          .withColumn("unit", functions.explode(functions.col("found_by"))).drop("found_by")
          .join(unchanged, "unit");
      Dataset<Row> now = pairs.withColumn("unit", functions.explode(functions.col("found_by"))).drop("found_by");
      kept = now.unionByName(before).groupBy("a", "b").agg(functions.first("rule").as("rule"),
              functions.first("scores").as("scores"), functions.first("levels").as("levels"),
              functions.first("matched").as("matched"), functions.array_sort(functions.collect_set("unit")).as("found_by"))
          .persist(StorageLevel.MEMORY_AND_DISK());
    }
    Dataset<Row> edges = Double.isNaN(keepProbability) ? kept : kept.filter("matched").persist(StorageLevel.MEMORY_AND_DISK());
    long matched = edges.count();
    long candidatePairs = scored.value();
    long searched = units.filter("fresh").count();
    // Both halves are kept on their own: later steps scan the pairs several times, without the markers.
    merged.unpersist();
    known.unpersist();
    if (skippedKeys.value() > 0) {
      LOG.warn("{} exact key(s) are shared by more than {} records (placeholders, or keys too common to say much on their"
          + " own); they were not used to find candidates",
          skippedKeys.value(), rules.maxExactGroup());
    }
    long t2 = System.nanoTime();
    stages.put("candidates_and_scoring", (t2 - t1) / 1_000_000);
    // Which executor JVM ran each retrieval partition (a retried partition counts once per attempt).
    Map<String, Long> byExecutor = new java.util.TreeMap<>();
    executors.value().forEach(e -> byExecutor.merge(e, 1L, Long::sum));
    LOG.info("Candidate retrieval ran in {} executor(s): partitions per executor {}", byExecutor.size(), byExecutor);
    LOG.info("{} records, {} units searched ({} known from the last run), {} candidate pairs scored ({} per record),"
        + " {} matched, in {} s", records, searched, knownUnits.length, candidatePairs,
        String.format("%.1f", records == 0 ? 0.0 : candidatePairs / (double) records), matched, (t2 - t1) / 1_000_000_000);
    return new Matching(normalized, kept, edges, units, tf, records, candidatePairs, matched, searched, stages, byExecutor,
        model, scorer.thresholdWeight(), List.of(base, normalized, units, kept, edges));
  }

  /**
   * Clusters matched pairs: connected components, then (learned weights) single weak links cut, then clusters over
   * the size limit split on their strong links. Each step works within a component, so the clusters of a set of
   * whole components are the same whether the rest of the graph is there or not.
   */
  public Clustering cluster(Dataset<Row> nodes, Dataset<Row> edges, double thresholdWeight) {
    WeakLinks.Split split = rules.probabilistic() ? WeakLinks.apply(spark, nodes, edges, thresholdWeight) : null;
    Dataset<Row> components;
    Dataset<Row> clusters;
    int iterations;
    long weakLinksCut = 0;
    if (split != null) {
      components = split.components();
      clusters = split.clusters();
      weakLinksCut = split.cut();
      iterations = split.iterations();
    } else {
      ConnectedComponents.Components cc = ConnectedComponents.of(spark, nodes, edges.select("a", "b"));
      components = cc.labels();
      clusters = components;
      iterations = cc.iterations();
    }
    long oversized = 0;
    if (rules.maxClusterSize() > 0) {
      OverMergeGuard.Guarded guarded = OverMergeGuard.apply(spark, clusters, edges, rules, thresholdWeight);
      clusters = guarded.clusters();
      oversized = guarded.oversized();
    }
    return new Clustering(components.withColumnRenamed("cluster_id", "component_id"), clusters, iterations, oversized,
        weakLinksCut);
  }

  /** The normalized fields' names, in the order of the engine's columns {@code f0..fn}. */
  public List<String> fields() {
    return fields;
  }

  /**
   * {@code record_id}, one normalized column per field (in {@link #fields} order) as {@code f0..fn}, then
   * the term frequency of the value of each comparison that uses them as {@code t0..tk} (share of the records
   * with a value that hold this one; null for multiple values). A field the profiles lack is missing everywhere.
   */
  Dataset<Row> normalize(Dataset<Row> profiles) {
    return normalize(profiles, null);
  }

  /** As {@link #normalize(Dataset)}, with the given term frequencies ({@code j, value, tf}; null: counted here). */
  Dataset<Row> normalize(Dataset<Row> profiles, Dataset<Row> frequencies) {
    Dataset<Row> base = normalizeFields(profiles);
    if (PairScorer.termFrequencyComparisons(rules).isEmpty()) {
      return base;
    }
    if (frequencies != null) {
      return withTermFrequencies(base, frequencies);
    }
    base = base.persist(StorageLevel.MEMORY_AND_DISK());
    return withTermFrequencies(base, termFrequencies(base));
  }

  /** {@code record_id} and the normalized fields {@code f0..fn}, without term frequencies. */
  private Dataset<Row> normalizeFields(Dataset<Row> profiles) {
    List<Normalizer> normalizers = new ArrayList<>(rules.fields().values());
    StructType schema = new StructType().add(ID, DataTypes.StringType, false);
    for (int i = 0; i < fields.size(); i++) {
      schema = schema.add("f" + i, DataTypes.StringType, true);
    }
    java.util.Set<String> present = new java.util.HashSet<>(List.of(profiles.columns()));
    List<Column> cols = new ArrayList<>();
    cols.add(functions.col(ID).cast(DataTypes.StringType));
    for (String f : fields) {
      List<Column> parts = new ArrayList<>();
      for (String c : RuleSet.columnsOf(f)) {
        if (present.contains(c)) {
          parts.add(functions.col("`" + c + "`").cast(DataTypes.StringType));
        } else {
          LOG.warn("The profiles have no field '{}': it is treated as missing in every record", c);
          parts.add(functions.lit(null).cast(DataTypes.StringType));
        }
      }
      cols.add(parts.size() == 1 ? parts.get(0) : functions.concat_ws(COMPOSITE_SEPARATOR, parts.toArray(new Column[0])));
    }
    MapPartitionsFunction<Row, Row> fn = normalizing(normalizers);
    return profiles.select(cols.toArray(new Column[0])).mapPartitions(fn, Encoders.row(schema));
  }

  /**
   * The term frequency of every single value of each comparison that uses them ({@code j}: its position among
   * those comparisons; {@code tf}: the share of the records with a value that hold this one, as text).
   */
  Dataset<Row> termFrequencies(Dataset<Row> base) {
    List<Comparison> tf = PairScorer.termFrequencyComparisons(rules);
    Dataset<Row> out = null;
    for (int j = 0; j < tf.size(); j++) {
      String f = "f" + fields.indexOf(tf.get(j).fields().get(0));
      Column single = functions.col(f).isNotNull().and(functions.not(functions.col(f).contains(Comparison.MULTI)));
      Dataset<Row> counts = base.filter(single).groupBy(f).count()
          .withColumn("tf_total", functions.sum("count").over(org.apache.spark.sql.expressions.Window.partitionBy()))
          .select(functions.lit(j).as("j"), functions.col(f).as("value"),
              functions.col("count").divide(functions.col("tf_total")).cast(DataTypes.StringType).as("tf"));
      out = out == null ? counts : out.union(counts);
    }
    return out;
  }

  /**
   * The normalized fields followed by the term frequency of the value of each comparison that uses them as
   * {@code t0..tk} (null for multiple values, or a value the frequencies lack).
   */
  private Dataset<Row> withTermFrequencies(Dataset<Row> base, Dataset<Row> frequencies) {
    if (frequencies == null) {
      return base;
    }
    List<Comparison> tf = PairScorer.termFrequencyComparisons(rules);
    List<Column> out = new ArrayList<>();
    out.add(functions.col(ID));
    for (int i = 0; i < fields.size(); i++) {
      out.add(functions.col("f" + i));
    }
    Dataset<Row> withTf = base;
    for (int j = 0; j < tf.size(); j++) {
      String f = "f" + fields.indexOf(tf.get(j).fields().get(0));
      Dataset<Row> counts = frequencies.filter(functions.col("j").equalTo(j))
          .select(functions.col("value").as("tf_value" + j), functions.col("tf").as("t" + j));
      withTf = withTf.join(counts, withTf.col(f).equalTo(counts.col("tf_value" + j)), "left");
      out.add(functions.col("t" + j));
    }
    return withTf.select(out.toArray(new Column[0]));
  }

  /**
   * The exact keys of each record, as block rows (the normalized values, then {@link BlockCandidates#EXACT} and the
   * key): the exact values of some match rule's exact criteria (any combination of their values for multi-valued
   * fields), and each value of the e-mail, phone and identifier comparisons. The records sharing a key are paired
   * within its group, where they meet the retrieval blocks (one shuffle for both); a key shared by more than
   * maxExactGroup records is skipped and logged. Null when nothing is an exact key.
   */
  private Dataset<Row> exactKeyRows(Dataset<Row> normalized) {
    List<int[]> ruleKeys = new ArrayList<>();
    for (MatchRule rule : rules.rules()) {
      if (rule.forbids()) {
        continue;
      }
      int[] parts = rule.criteria().stream().filter(c -> c.exact() && !c.matchOnBlank())
          .mapToInt(c -> fields.indexOf(c.field())).toArray();
      if (parts.length > 0) {
        ruleKeys.add(parts);
      }
    }
    int[] valueKeys = rules.exactKeyFields().stream().mapToInt(fields::indexOf).toArray();
    if (ruleKeys.isEmpty() && valueKeys.length == 0) {
      return null;
    }
    StructType keyedSchema = normalized.schema().add("block", DataTypes.StringType);
    org.apache.spark.api.java.function.FlatMapFunction<Row, Row> keys = r -> {
      String[] v = ModelTrainer.strings(r);
      java.util.Set<String> out = new java.util.TreeSet<>();
      for (int k = 0; k < ruleKeys.size(); k++) {
        List<String> combos = List.of(k + "");
        for (int f : ruleKeys.get(k)) {
          String value = v[f + 1];
          if (value == null) {
            combos = List.of();
            break;
          }
          List<String> next = new ArrayList<>();
          for (String prefix : combos) {
            for (String part : value.split(Comparison.MULTI)) {
              if (!part.isEmpty() && next.size() < 16) {
                next.add(prefix + "\u0001" + part);
              }
            }
          }
          combos = next;
        }
        out.addAll(combos);
      }
      for (int f : valueKeys) {
        String value = v[f + 1];
        if (value != null) {
          for (String part : value.split(Comparison.MULTI)) {
            if (!part.isEmpty()) {
              out.add("x" + f + "\u0001" + part);
            }
          }
        }
      }
      List<Row> rows = new ArrayList<>();
      for (String k : out) {
        Object[] row = java.util.Arrays.copyOf(v, v.length + 1, Object[].class);
        row[v.length] = BlockCandidates.EXACT + k;
        rows.add(RowFactory.create(row));
      }
      return rows.iterator();
    };
    return normalized.flatMap(keys, Encoders.row(keyedSchema));
  }

  /**
   * Matched pairs found by retrieval within each block of records sharing a phonetic name code, a birth date, an e-mail
   * local part or a postal code ({@link BlockCandidates}).
   */
  private Dataset<Row> candidates(Dataset<Row> normalized, long rows, PairScorer scorer, LongAccumulator scored,
      LongAccumulator skippedKeys, org.apache.spark.util.CollectionAccumulator<String> executors,
      org.apache.spark.broadcast.Broadcast<long[]> known) {
    Dataset<Row> exact = exactKeyRows(normalized);
    Dataset<Row> blocked = retrievalBlocks(normalized);
    if (blocked == null && exact == null) {
      return spark.createDataFrame(List.of(), Units.SCHEMA);
    }
    Dataset<Row> all = blocked == null ? exact : exact == null ? blocked : blocked.union(exact);
    // A query's cost grows with the partition's index, not with its block: many small partitions
    // (each holding a few whole blocks) keep every index small. Explicit count, so AQE keeps it.
    long docs = rows * BLOCK_KINDS_ESTIMATE;
    int partitions = (int) Math.max(spark.sparkContext().defaultParallelism(), Math.min(20_000, docs / DOCS_PER_INDEX + 1));
    LOG.info("Candidate retrieval: about {} block members in {} partitions", docs, partitions);
    int topK = rules.maxCandidates();
    int maxExactGroup = rules.maxExactGroup();
    BlockCandidates.Fields retrieval = retrievalFields(normalized.columns().length - 1);
    return all.repartition(partitions, functions.col("block"))
        .mapPartitions((MapPartitionsFunction<Row, Row>) it -> {
          executors.add(org.apache.spark.SparkEnv.get().executorId());
          return BlockCandidates.matches(it, retrieval, topK, maxExactGroup, scorer, scored, skippedKeys, known.value());
        }, Encoders.row(Units.SCHEMA));
  }

  /** The retrieval block rows: each record once per block key it has (normalized values, then the key); null: none. */
  private Dataset<Row> retrievalBlocks(Dataset<Row> normalized) {
    List<String> fuzzyFields = rules.fuzzyFields();
    if (fuzzyFields.isEmpty()) {
      return null;
    }
    int width = normalized.columns().length - 1;
    BlockCandidates.Fields retrieval = retrievalFields(width);
    boolean[] fuzzy = retrieval.fuzzy();
    boolean[] names = retrieval.names();
    boolean[] emails = retrieval.emails();
    // Block keys, each an array of keys per record: a record is searched for in every block it has a key of.
    List<Column> blockKeys = new ArrayList<>();
    for (int i = 0; i < fields.size(); i++) {
      boolean composite = RuleSet.columnsOf(fields.get(i)).size() > 1;
      if (fuzzy[i] && names[i]) {
        // One key space for every name field: a record whose given name and surname are swapped meets its twin.
        blockKeys.add(functions.array(functions.concat(functions.lit("n:"), PHONETIC.apply(functions.col("f" + i)))));
      }
      if (emails[i] && !composite) {
        // The local part of every e-mail: the same person at another provider, or with a typo in the domain.
        blockKeys.add(eachValue(i, "e:", "substring_index(x, '@', 1)"));
      }
    }
    for (Comparison c : rules.comparisons()) {
      int i = fields.indexOf(c.fields().get(0));
      if (c.kind() == Comparison.Kind.DATE) {
        // Records without names (or whose names changed) still meet through their birth date.
        blockKeys.add(eachValue(i, "d:" + i + ":", "x"));
      } else if (c.kind() == Comparison.Kind.LOCATION && c.fields().size() > 1) {
        // And through their postal code: the same address under another name.
        blockKeys.add(eachValue(fields.indexOf(c.fields().get(1)), "p:", "x"));
      }
    }
    if (blockKeys.isEmpty()) {
      int first = fields.indexOf(fuzzyFields.get(0));
      blockKeys.add(functions.array(functions.concat(functions.lit(first + ":"),
          functions.substring(functions.col("f" + first), 1, 3))));
    }
    Dataset<Row> blocked = normalized.withColumn("block", functions.explode(functions.array_distinct(
            functions.flatten(functions.array(blockKeys.toArray(new Column[0]))))))
        .filter("block IS NOT NULL");
    return blocked;
  }

  /**
   * How retrieval treats each field: fuzzy fields (not composite) by tokens, names with one-edit variants and
   * nickname-canonical forms, e-mails with their local part.
   *
   * @param width how many values follow the record id in a normalized row
   */
  BlockCandidates.Fields retrievalFields(int width) {
    List<String> fuzzyFields = rules.fuzzyFields();
    boolean[] fuzzy = new boolean[fields.size()];
    boolean[] names = new boolean[fields.size()];
    boolean[] emails = new boolean[fields.size()];
    for (int i = 0; i < fields.size(); i++) {
      boolean composite = RuleSet.columnsOf(fields.get(i)).size() > 1;
      fuzzy[i] = fuzzyFields.contains(fields.get(i)) && !composite;
      names[i] = rules.fields().get(fields.get(i)) == Normalizer.NAME && !composite;
      emails[i] = rules.fields().get(fields.get(i)) == Normalizer.EMAIL;
    }
    int[] split = fuzzyFields.stream().mapToInt(fields::indexOf).toArray();
    return new BlockCandidates.Fields(fuzzy, names, emails, width, split, rules.maxBlockSize());
  }

  /**
   * One key per value of field {@code f<i>} (each value of a multi-valued field): the prefix and {@code expr} of the
   * value {@code x}; no key for an empty value.
   */
  private static Column eachValue(int i, String prefix, String expr) {
    String separator = String.format("\\\\u%04x", (int) Comparison.MULTI.charAt(0));
    return functions.expr("coalesce(filter(transform(split(f" + i + ", '" + separator + "'), x -> concat('" + prefix
        + "', nullif(" + expr + ", ''))), k -> k IS NOT NULL), cast(array() AS array<string>))");
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
    if (value != null && value.contains(Comparison.MULTI)) {
      String[] parts = value.split(Comparison.MULTI, -1);
      boolean any = false;
      for (int i = 0; i < parts.length; i++) {
        String n = normalizer.apply(parts[i]);
        any |= n != null;
        parts[i] = n == null ? "" : n;
      }
      return any ? String.join(Comparison.MULTI, parts) : null;
    }
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

  /**
   * The edge of records {@code a} and {@code b} ({@code [id, values...]}, a's id first) when they match or
   * the scorer keeps them, else null. An unmatched pair's rule says why: {@code forbidden:<rule>} or
   * {@code below_threshold}.
   */
  static Row decide(PairScorer scorer, String[] a, String[] b) {
    PairScorer.Decision d = scorer.score(a, b, 1);
    boolean matched = d.rule() != null;
    if (!matched && !scorer.keeps(d)) {
      return null;
    }
    String rule = matched ? d.rule() : d.forbiddenBy() != null ? "forbidden:" + d.forbiddenBy() : "below_threshold";
    return RowFactory.create(a[0], b[0], rule,
        scala.collection.JavaConverters.mapAsScalaMapConverter(new LinkedHashMap<>(d.scores())).asScala(),
        scala.collection.JavaConverters.mapAsScalaMapConverter(new LinkedHashMap<>(d.levels())).asScala(), matched);
  }

  private static String[] values(scala.collection.Seq<String> seq) {
    return scala.collection.JavaConverters.seqAsJavaList(seq).toArray(new String[0]);
  }
}
