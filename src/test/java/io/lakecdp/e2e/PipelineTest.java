package io.lakecdp.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakecdp.common.testing.IcebergTables;
import io.lakecdp.demo.DemoDataGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lakecdp-submit pipeline} on a small demo tenant: every stage in order, each its own spark-submit; then a
 * broken activation stops the pipeline at that stage with its exit code and a message saying where to resume.
 */
class PipelineTest {
  @Test
  void runsEveryStageInOrderAndStopsAtTheFirstFailure(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("conf");
    Path warehouse = dir.resolve("warehouse");
    new DemoDataGenerator(3, 0.0).generate(300, dir.resolve("landing"), 100_000);
    DemoTenant.install(conf, "pipe", warehouse, dir.resolve("landing"));
    Path activations = conf.resolve("tenants/pipe/activations");
    try (var files = Files.list(activations)) {
      for (Path f : files.toList()) {
        Files.writeString(f, Files.readString(f).replace("${LAKECDP_EXPORTS:-file:///tmp/lakecdp-exports}",
            dir.resolve("exports").toUri().toString()));
      }
    }
    Submit.Result ok = Submit.run("pipeline", "--tenant", "pipe", "--conf", conf.toString(), "--run-id", "p1",
        "--as-of", "2025-12-01", "--master", "local[2]");
    assertEquals(0, ok.exitCode(), ok.err());
    String log = ok.err();
    int last = -1;
    for (String stage : java.util.List.of("ingest", "transform", "identity-resolution", "calculated-insights",
        "segmentation", "activation")) {
      int at = log.indexOf("[pipeline] " + stage + ": starting");
      assertTrue(at > last, stage + " starts after the stage before it:\n" + log);
      last = at;
    }
    assertTrue(log.contains("[pipeline] ingest-stream: skipped (no Kafka streams)"), log);
    assertTrue(log.contains("[pipeline] tenant pipe done"), log);
    assertTrue(new IcebergTables(warehouse).rows("pipe_act", "activation_runs").size() >= 2);
    assertTrue(Files.exists(dir.resolve("exports/demo/loyal_buyers_email/p1-activation/_manifest.json")));

    // Identity resolution again, in a new JVM, on unchanged input: the content fingerprint (configuration bytes,
    // saved model parameters, snapshot ids) is the same in every JVM, so the run is skipped.
    Submit.Result again = Submit.run("identity-resolution", "--tenant", "pipe", "--conf", conf.toString(),
        "--master", "local[2]");
    assertEquals(0, again.exitCode(), again.err());
    String summary = again.out().lines().filter(l -> l.contains("\"lakecdp_summary\"")).reduce((a, b) -> b).orElseThrow();
    assertTrue(summary.contains("\"skipped\":\"inputs unchanged since the last successful run\""), summary);
    assertTrue(Files.isRegularFile(warehouse.resolve("_models/pipe/identity-model.json")), "the trained model is saved");
    // And explain-pair, in a third JVM, on two records of the same person.
    Submit.Result explained = Submit.run("identity-resolution", "explain-pair", "--tenant", "pipe", "--conf",
        conf.toString(), "--master", "local[2]", "crm_contacts:C0000001", "web_signups:W0000001");
    assertEquals(0, explained.exitCode(), explained.err());
    assertTrue(explained.out().contains("match weight") && explained.out().contains("first_name"), explained.out());
    assertTrue(explained.out().contains("MATCH ("), "the same person: " + explained.out());

    Path bad = activations.resolve("loyal_buyers_email.yaml");
    Files.writeString(bad, Files.readString(bad).replace("file:", "ftp:"));
    Submit.Result failed = Submit.run("pipeline", "--tenant", "pipe", "--conf", conf.toString(), "--run-id", "p2",
        "--from", "segmentation", "--as-of", "2025-12-01", "--master", "local[2]");
    assertEquals(2, failed.exitCode(), failed.err());
    assertTrue(failed.err().contains("[pipeline] ingest: skipped (--from segmentation)"), failed.err());
    assertTrue(failed.err().contains("[pipeline] activation FAILED (exit 2") && failed.err().contains("--from activation"),
        failed.err());
    assertTrue(failed.err().contains("loyal_buyers_email.yaml"), "the job's own message names the file: " + failed.err());
  }
}
