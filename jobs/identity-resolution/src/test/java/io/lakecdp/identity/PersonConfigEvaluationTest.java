package io.lakecdp.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lakecdp.common.testing.JobRun;
import io.lakecdp.common.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The generic conf/identity/person.yaml, unchanged, on labelled data its weights were never tuned on: FEBRL 1 and 2
 * (columns renamed by the shipped script) and Splink's fake_1000. Weights are learned from each file, unlabelled.
 */
class PersonConfigEvaluationTest {
  static final Path ROOT = FebrlEvaluationTest.ROOT;
  static final Path DATASETS = ROOT.resolve("../shared/datasets").normalize();

  static Path renamed(Path dir, String preset, Path input) throws Exception {
    Path out = dir.resolve(input.getFileName());
    Process p = new ProcessBuilder("bash", ROOT.resolve("scripts/person-csv.sh").toString(), preset, input.toString(),
        out.toString()).redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), log);
    return out;
  }

  @ParameterizedTest
  @ValueSource(strings = {"dataset1.csv", "dataset2.csv"})
  void febrlWithThePersonConfig(String dataset, @TempDir Path dir) throws Exception {
    Path input = renamed(dir, "--febrl", DATASETS.resolve("febrl").resolve(dataset));
    Path chart = dir.resolve("pr.svg");
    JobRun run = JobRun.of(new EvaluateCommand(), "--input", input.toString(), "--id-column", "rec_id",
        "--truth-regex", "rec-(\\d+)-", "--config", ROOT.resolve("conf/identity/person.yaml").toString(),
        "--pr-chart", chart.toString(), "--explain", "rec-0-org,rec-0-dup-0");
    assertEquals(0, run.exitCode(), run.err());
    JsonNode m = run.summary();
    assertTrue(m.get("precision").asDouble() >= 0.99, m.toString());
    assertTrue(m.get("f1").asDouble() >= 0.97, m.toString());
    // Learned, not given: every comparison FEBRL has got an exact level far likelier among matches.
    for (JsonNode c : m.at("/model/comparisons")) {
      if (Set.of("first_name", "last_name", "birth_date").contains(c.get("name").asText())) {
        JsonNode exact = c.get("levels").get(0);
        assertTrue(exact.get("m").asDouble() > 20 * exact.get("u").asDouble(), c.toString());
      }
    }
    JsonNode curve = m.get("pr_curve");
    assertTrue(curve.size() > 10);
    for (int i = 1; i < curve.size(); i++) {
      assertTrue(curve.get(i).get("recall").asDouble() <= curve.get(i - 1).get("recall").asDouble() + 1e-12,
          "recall cannot grow with the threshold: " + curve);
    }
    assertTrue(Files.readString(chart).contains("<polyline"), "the precision-recall chart is drawn");
    if (dataset.equals("dataset1.csv")) {
      assertTrue(run.err().contains("rec-0-dup-0") && run.err().contains("match weight"), "the waterfall is printed");
    }
  }

  @Test
  void splinkFakeWithThePersonConfig(@TempDir Path dir) throws Exception {
    Path input = renamed(dir, "--splink-fake", DATASETS.resolve("splink-fake-1000/fake_1000.csv"));
    JobRun run = JobRun.of(new EvaluateCommand(), "--input", input.toString(), "--id-column", "unique_id",
        "--truth-column", "cluster", "--config", ROOT.resolve("conf/identity/person.yaml").toString());
    assertEquals(0, run.exitCode(), run.err());
    JsonNode m = run.summary();
    System.err.println("splink fake_1000 with person.yaml: " + m.get("precision") + " / " + m.get("recall"));
    assertTrue(m.get("precision").asDouble() >= 0.98, m.toString());
    assertTrue(m.get("f1").asDouble() >= 0.91, m.toString());
  }

  /** The same records in another order and other partitions give the same clusters (ties broken by content). */
  @Test
  void clustersDoNotDependOnRowOrder(@TempDir Path dir) throws Exception {
    SparkSession spark = TestSpark.session();
    Path input = renamed(dir, "--febrl", DATASETS.resolve("febrl/dataset1.csv"));
    RuleSet rules = RuleSet.load(ROOT.resolve("conf/identity/person.yaml"));
    Dataset<Row> raw = spark.read().option("header", "true").option("ignoreLeadingWhiteSpace", "true")
        .option("ignoreTrailingWhiteSpace", "true").csv(input.toString())
        .withColumn(ResolutionEngine.ID, functions.col("rec_id"));
    Set<String> first = clusters(new ResolutionEngine(spark, rules).resolve(raw.repartition(3)));
    Set<String> second = clusters(new ResolutionEngine(spark, rules)
        .resolve(raw.orderBy(functions.sha2(functions.col("rec_id"), 256)).repartition(5)));
    assertEquals(first, second);
    assertTrue(first.size() < 1000, "records were merged");
  }

  /** Each cluster as the sorted list of its record ids. */
  private static Set<String> clusters(ResolutionEngine.Result r) {
    Set<String> out = new TreeSet<>();
    for (Row row : r.clusters().groupBy("cluster_id").agg(functions.sort_array(functions.collect_list(ResolutionEngine.ID)))
        .collectAsList()) {
      List<String> ids = row.getList(1);
      out.add(String.join(",", ids));
    }
    return out;
  }
}
