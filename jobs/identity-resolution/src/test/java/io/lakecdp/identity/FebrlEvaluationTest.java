package io.lakecdp.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lakecdp.common.testing.JobRun;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The shipped FEBRL rules against both labelled FEBRL datasets: the quality floor of the issue. */
class FebrlEvaluationTest {
  static final Path ROOT = Path.of(System.getProperty("lakecdp.repo.root", "../..")).toAbsolutePath().normalize();

  @ParameterizedTest
  @ValueSource(strings = {"dataset1.csv", "dataset2.csv"})
  void febrlRulesReachThePrecisionAndRecallFloor(String dataset) {
    Path input = ROOT.resolve("../shared/datasets/febrl").resolve(dataset).normalize();
    assertTrue(Files.isRegularFile(input), "FEBRL data expected at " + input);
    JobRun run = JobRun.of(new EvaluateCommand(), "--input", input.toString(), "--id-column", "rec_id",
        "--truth-regex", "rec-(\\d+)-", "--rules", ROOT.resolve("conf/identity/febrl.yaml").toString());
    assertEquals(0, run.exitCode(), run.err());
    JsonNode m = run.summary();
    assertTrue(m.get("precision").asDouble() >= 0.99, m.toString());
    assertTrue(m.get("recall").asDouble() >= 0.95, m.toString());
    assertTrue(m.get("candidate_pairs_per_record").asDouble() <= 50, m.toString());
  }
}
