package io.lakecdp.identity;

import io.lakecdp.common.config.ConfigException;
import io.lakecdp.common.job.ExitCodes;
import io.lakecdp.common.job.Json;
import io.lakecdp.common.spark.SparkSessions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Resolves a labelled CSV with a rules or weights file and prints the quality figures as one JSON line. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
    description = """
        Resolve a labelled CSV with an identity configuration (rules, or comparisons whose weights are
        learned from the CSV itself, without its labels) and measure the result against its ground truth.
        Prints progress on stderr and one JSON line last: records, candidate_pairs, precision, recall, f1,
        bcubed_f1 (pairwise figures are over all pairs the clusters imply), seconds; with comparisons also the
        learned model and, per threshold, the precision and recall of the scored pairs (pr_curve).""")
public final class EvaluateCommand implements Callable<Integer> {
  @Option(names = "--input", required = true, description = "CSV file with a header (values are trimmed; CRLF is fine).") Path input;

  @Option(names = "--id-column", required = true, description = "Column holding the record id.") String idColumn;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Truth truth;

  static final class Truth {
    @Option(names = "--truth-column", description = "Column holding the true entity id.")
    String column;

    @Option(names = "--truth-regex",
        description = "Regex on the id column whose first group is the true entity (FEBRL: 'rec-(\\d+)-').")
    String regex;
  }

  @Option(names = {"--rules", "--config"}, required = true,
      description = "Identity configuration (YAML) naming the CSV's columns, e.g. conf/identity/person.yaml.")
  Path rulesFile;

  @Option(names = "--threshold", paramLabel = "P", description = "Match probability to decide at (overrides the file's).") Double threshold;

  @Option(names = "--model", paramLabel = "FILE", description = "Use these trained weights instead of learning them.") Path modelFile;

  @Option(names = "--save-model", paramLabel = "FILE", description = "Write the weights learned on the CSV here.") Path saveModel;

  @Option(names = "--pr-chart", paramLabel = "FILE.svg", description = "Draw the precision-recall curve as SVG.") Path prChart;

  @Option(names = "--explain", paramLabel = "A,B", split = ";",
      description = "Print the weight waterfall of these two record ids (repeatable), matched or not.")
  List<String> explain = new java.util.ArrayList<>();

  @Option(names = "--show-misses", defaultValue = "0", paramLabel = "N",
      description = "Print up to N true pairs that were not merged and N merged pairs that are false, with their values (stderr).")
  int showMisses;

  @Spec
  CommandSpec spec;

  private void printMisses(Dataset<Row> assigned, Dataset<Row> profiles, RuleSet rules, Dataset<Row> edges) {
    Dataset<Row> x = assigned.select(functions.col(ResolutionEngine.ID).as("a"), functions.col("cluster_id").as("ca"),
        functions.col("truth").as("ta"));
    Dataset<Row> y = assigned.select(functions.col(ResolutionEngine.ID).as("b"), functions.col("cluster_id").as("cb"),
        functions.col("truth").as("tb"));
    java.util.Set<String> present = java.util.Set.of(profiles.columns());
    Column[] shown = rules.fields().keySet().stream().filter(f -> RuleSet.columnsOf(f).size() == 1 && present.contains(f))
        .map(f -> functions.col("`" + f + "`")).toArray(Column[]::new);
    Dataset<Row> values = profiles.select(functions.col(ResolutionEngine.ID),
        functions.concat_ws(" | ", shown).as("values"));
    Dataset<Row> missed = x.join(y, x.col("ta").equalTo(y.col("tb")).and(x.col("a").lt(y.col("b")))
        .and(x.col("ca").notEqual(y.col("cb"))));
    Dataset<Row> wrong = edges.join(x, "a").join(y, "b").filter(functions.col("ta").notEqual(functions.col("tb")))
        .select(functions.col("a"), functions.col("b"), functions.concat(functions.col("rule"), functions.lit(" "),
            functions.to_json(functions.col("scores"))).as("why"));
    for (Row r : wrong.limit(showMisses).collectAsList()) {
      spec.commandLine().getErr().println("false edge " + r.getString(0) + " ~ " + r.getString(1) + ": " + r.getString(2));
    }
    for (var entry : Map.of("missed (true pair, not merged)", missed, "false (merged, not a true pair)",
        x.join(y, x.col("ca").equalTo(y.col("cb")).and(x.col("a").lt(y.col("b"))).and(x.col("ta").notEqual(y.col("tb")))))
        .entrySet()) {
      spec.commandLine().getErr().println("== " + entry.getKey());
      for (Row r : entry.getValue().limit(showMisses)
          .join(values.withColumnRenamed(ResolutionEngine.ID, "a").withColumnRenamed("values", "va"), "a")
          .join(values.withColumnRenamed(ResolutionEngine.ID, "b").withColumnRenamed("values", "vb"), "b")
          .select("a", "va", "b", "vb").collectAsList()) {
        spec.commandLine().getErr().println("  " + r.getString(0) + ": " + r.getString(1) + "\n  " + r.getString(2) + ": " + r.getString(3));
      }
    }
  }

  @Override
  public Integer call() {
    long start = System.currentTimeMillis();
    RuleSet rules;
    MatchModel model = null;
    try {
      rules = RuleSet.load(rulesFile);
      if (threshold != null) {
        if (!rules.probabilistic() || !(threshold > 0 && threshold < 1)) {
          throw new ConfigException("--threshold", "", "a match probability strictly between 0 and 1 for a configuration"
              + " with comparisons");
        }
        rules = new RuleSet(rules.rules(), rules.maxCandidates(), rules.maxBlockSize(), rules.maxExactGroup(),
            rules.maxClusterSize(), rules.reconciliation(), rules.comparisons(), threshold, rules.maxTrainingGroup());
      }
      if (!Files.isRegularFile(input)) {
        throw new ConfigException("--input", "", "file not found: " + input);
      }
      if (modelFile != null) {
        model = MatchModel.fromJson(Files.readString(modelFile));
        if (!model.fits(rules.comparisons())) {
          throw new ConfigException(modelFile.toString(), "config_sha256", "the model was trained for other comparisons"
              + " than those of " + rulesFile);
        }
      }
    } catch (java.io.IOException | IllegalArgumentException e) {
      spec.commandLine().getErr().println("ERROR " + (modelFile == null ? "" : modelFile + ": ") + e.getMessage());
      return ExitCodes.INVALID_INPUT;
    } catch (ConfigException e) {
      spec.commandLine().getErr().println("ERROR " + e.getMessage());
      return ExitCodes.INVALID_INPUT;
    }
    SparkSession spark = SparkSessions.withoutCatalog("lakecdp identity-resolution evaluate");
    if (!new org.apache.spark.SparkConf().contains("spark.sql.shuffle.partitions")) {
      // Spark's 200 default costs every connected-components iteration 200 tiny tasks per shuffle.
      spark.conf().set("spark.sql.shuffle.partitions", String.valueOf(Math.max(4, 2 * spark.sparkContext().defaultParallelism())));
    }
    Dataset<Row> raw = spark.read().option("header", "true").option("ignoreLeadingWhiteSpace", "true")
        .option("ignoreTrailingWhiteSpace", "true").csv(input.toString());
    for (String c : raw.columns()) {
      raw = raw.withColumnRenamed(c, c.trim());
    }
    List<String> columns = List.of(raw.columns());
    for (String needed : rules.fields().keySet().stream().flatMap(f -> RuleSet.columnsOf(f).stream()).toList()) {
      if (!columns.contains(needed) && rules.probabilistic()) {
        spec.commandLine().getErr().println("WARN field '" + needed + "' is not a column of " + input
            + ": treated as missing");
      } else if (!columns.contains(needed)) {
        spec.commandLine().getErr().println("ERROR " + new ConfigException(rulesFile.toString(), "rules",
            "field '" + needed + "' is not a column of " + input + " (columns: " + String.join(", ", columns) + ")").getMessage());
        return ExitCodes.INVALID_INPUT;
      }
    }
    if (!columns.contains(idColumn) || (truth.column != null && !columns.contains(truth.column))) {
      spec.commandLine().getErr().println("ERROR --id-column / --truth-column must name columns of " + input
          + " (columns: " + String.join(", ", columns) + ")");
      return ExitCodes.INVALID_INPUT;
    }
    Column truthValue = truth.column != null ? functions.col(truth.column)
        : functions.regexp_extract(functions.col(idColumn), truth.regex, 1);
    Dataset<Row> profiles = raw.withColumn(ResolutionEngine.ID, functions.col(idColumn))
        .withColumn("__truth", truthValue).cache();
    ResolutionEngine.Result result = new ResolutionEngine(spark, rules)
        .resolve(profiles, model, rules.probabilistic() ? PrecisionRecall.LOWEST : Double.NaN);
    Dataset<Row> assigned = result.clusters().join(profiles.select(ResolutionEngine.ID, "__truth"), ResolutionEngine.ID)
        .withColumnRenamed("__truth", "truth");
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("records", result.records());
    out.put("candidate_pairs", result.candidatePairs());
    out.put("candidate_pairs_per_record", result.records() == 0 ? 0 : (double) result.candidatePairs() / result.records());
    out.put("matched_pairs", result.matchedPairs());
    out.put("clusters", result.clusters().select("cluster_id").distinct().count());
    out.put("cc_iterations", result.iterations());
    out.put("oversized_clusters", result.oversizedClusters());
    out.put("weak_links_cut", result.weakLinksCut());
    out.putAll(Evaluation.measure(assigned));
    if (result.model() != null) {
      out.put("threshold", rules.threshold());
      List<Map<String, Double>> curve = PrecisionRecall.curve(result.scored(),
          profiles.select(functions.col(ResolutionEngine.ID), functions.col("__truth").as("truth")));
      out.put("pr_curve", curve);
      out.put("true_pairs_forbidden", PrecisionRecall.forbiddenTruePairs);
      out.put("model", result.model().toMap());
      if (saveModel != null) {
        try {
          Files.writeString(saveModel, result.model().toJson());
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException("cannot write " + saveModel, e);
        }
      }
      if (prChart != null) {
        PrecisionRecall.writeSvg(curve, rules.threshold(), prChart);
      }
    }
    if (!explain.isEmpty()) {
      ResolutionEngine engine = new ResolutionEngine(spark, rules);
      Dataset<Row> normalized = engine.normalize(profiles);
      List<Object> explanations = new java.util.ArrayList<>();
      for (String pair : explain) {
        String[] ids = pair.split(",", 2);
        PairExplainer.Explanation e = ids.length < 2 ? null
            : PairExplainer.explain(normalized, rules, engine.fields(), result.model(), ids[0].trim(), ids[1].trim());
        if (e == null) {
          spec.commandLine().getErr().println("--explain " + pair + ": no such pair of record ids");
          continue;
        }
        e.lines().forEach(spec.commandLine().getErr()::println);
        explanations.add(e.data());
      }
      out.put("explanations", explanations);
    }
    if (showMisses > 0) {
      printMisses(assigned, profiles, rules, result.edges());
    }
    out.put("seconds", (System.currentTimeMillis() - start) / 1000.0);
    spec.commandLine().getOut().println(Json.write(out));
    spec.commandLine().getOut().flush();
    return ExitCodes.OK;
  }
}
