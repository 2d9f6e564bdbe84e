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
    for (String stage : java.util.List.of("ingest", "identity-resolution", "calculated-insights", "segmentation",
        "activation")) {
      int at = log.indexOf("[pipeline] " + stage + ": starting");
      assertTrue(at > last, stage + " starts after the stage before it:\n" + log);
      last = at;
    }
    assertTrue(log.contains("[pipeline] ingest-stream: skipped (no Kafka streams)"), log);
    assertTrue(log.contains("[pipeline] tenant pipe done"), log);
    assertTrue(new IcebergTables(warehouse).rows("pipe_act", "activation_runs").size() >= 2);
    assertTrue(Files.exists(dir.resolve("exports/demo/loyal_buyers_email/p1-activation/_manifest.json")));

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
