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

/** Resolves a labelled CSV with a rules file and prints the quality figures as one JSON line. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Resolve a labelled CSV with a rules file and measure the result against its ground truth.",
        "Prints progress on stderr and one JSON line last: records, candidate_pairs, precision, recall, f1,",
        "bcubed_f1 (pairwise figures are over all pairs the clusters imply) and seconds."})
public final class EvaluateCommand implements Callable<Integer> {
  @Option(names = "--input", required = true, description = "CSV file with a header (values are trimmed; CRLF is fine).")
  Path input;

  @Option(names = "--id-column", required = true, description = "Column holding the record id.")
  String idColumn;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Truth truth;

  static final class Truth {
    @Option(names = "--truth-column", description = "Column holding the true entity id.")
    String column;

    @Option(names = "--truth-regex",
        description = "Regex on the id column whose first group is the true entity (FEBRL: 'rec-(\\d+)-').")
    String regex;
  }

  @Option(names = "--rules", required = true, description = "Rules file (YAML) naming the CSV's columns.")
  Path rulesFile;

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
    Column[] shown = rules.fields().keySet().stream().filter(f -> RuleSet.columnsOf(f).size() == 1)
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
    try {
      rules = RuleSet.load(rulesFile);
      if (!Files.isRegularFile(input)) {
        throw new ConfigException("--input", "", "file not found: " + input);
      }
    } catch (ConfigException e) {
      spec.commandLine().getErr().println("ERROR " + e.getMessage());
      return ExitCodes.INVALID_INPUT;
    }
    SparkSession spark = SparkSessions.withoutCatalog("lakecdp identity-resolution evaluate");
    Dataset<Row> raw = spark.read().option("header", "true").option("ignoreLeadingWhiteSpace", "true")
        .option("ignoreTrailingWhiteSpace", "true").csv(input.toString());
    for (String c : raw.columns()) {
      raw = raw.withColumnRenamed(c, c.trim());
    }
    List<String> columns = List.of(raw.columns());
    for (String needed : rules.fields().keySet().stream().flatMap(f -> RuleSet.columnsOf(f).stream()).toList()) {
      if (!columns.contains(needed)) {
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
    ResolutionEngine.Result result = new ResolutionEngine(spark, rules).resolve(profiles);
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
    out.putAll(Evaluation.measure(assigned));
    if (showMisses > 0) {
      printMisses(assigned, profiles, rules, result.edges());
    }
    out.put("seconds", (System.currentTimeMillis() - start) / 1000.0);
    spec.commandLine().getOut().println(Json.write(out));
    spec.commandLine().getOut().flush();
    return ExitCodes.OK;
  }
}
