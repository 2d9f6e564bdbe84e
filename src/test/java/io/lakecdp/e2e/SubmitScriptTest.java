package io.lakecdp.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher a user types: job lookup, help, exit codes, and a run without a Spark install. */
class SubmitScriptTest {
  @Test
  void unknownJobExitsTwoAndListsTheValidJobs() {
    Submit.Result r = Submit.run("dlo-wrte", "--tenant", "demo");
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("Unknown job 'dlo-wrte'. Valid jobs: demo-data, dlo-write, ingest-stream, transform, identity-resolution, calculated-insights, segmentation, activation, inspect, report, query, catalog, maintain, privacy, bench-dlo-write, bench-identity, bench-segmentation, bench-ingest-stream, bench-activation"), r.err());
  }

  @Test
  void helpGoesThroughSparkSubmitWithoutASparkInstall() {
    Submit.Result r = Submit.run("dlo-write", "--help");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("Usage: dlo-write"), r.out());
    assertTrue(r.out().contains("--run-id"), r.out());
  }

  @Test
  void aBadConfigStopsTheJobWithExitTwoAndNamesTheProblem(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("conf");
    DemoTenant.install(conf, "broken", dir.resolve("wh"), dir.resolve("landing"));
    Path mappings = conf.resolve("tenants/broken/mappings.yaml");
    Files.writeString(mappings, Files.readString(mappings).replace("FirstName: given_name", "FirstName: givn_name"));
    Submit.Result r = Submit.run("dlo-write", "--tenant", "broken", "--conf", conf.toString());
    assertEquals(2, r.exitCode(), r.err());
    assertTrue(r.err().contains("Invalid configuration in " + mappings + " at mappings[4].fields.FirstName: "
        + "unknown DLO field 'givn_name' in stream web_signups"), r.err());
    assertTrue(r.out().strip().endsWith("}"), "the summary line comes last even on a config error: " + r.out());
    assertTrue(!Files.exists(dir.resolve("wh")), "nothing may be written on a config error");
  }

  @Test
  void demoDataRunsAsAPlainJavaTool(@TempDir Path dir) {
    Submit.Result r = Submit.run("demo-data", "--people", "50", "--out", dir.toString());
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("\"people\":50"), r.out());
    assertTrue(Files.isDirectory(dir.resolve("crm/contacts")));
  }
}
