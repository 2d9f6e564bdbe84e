package io.lakecdp.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakecdp.common.testing.IcebergTables;
import io.lakecdp.testsupport.PostgresServer;
import io.lakecdp.testsupport.RestCatalogServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline (ingest, identity resolution, insights, segments, activation) on a real Iceberg REST catalog
 * server (iceberg-open-api's RESTCatalogServer in its own JVM, its state in a real PostgreSQL; conf/rest.yaml as
 * shipped), each stage its own spark-submit; then the server process is replaced by a new one and a second pipeline
 * finds everything the first one committed: every stage is skipped, its inputs unchanged.
 */
class RestCatalogTest {
  static final String TENANT = "restful";

  @Test
  void wholePipelineOnTheRestCatalogSurvivesAServerRestart(@TempDir Path dir) throws Exception {
    DemoTenant.Installed tenant = DemoTenant.generate(dir, TENANT, 11, 150);
    Path exports = dir.resolve("exports");
    DemoTenant.exportTo(tenant.conf(), TENANT, exports);
    try (PostgresServer postgres = PostgresServer.start(DemoTenant.REPO);
        RestCatalogServer rest = RestCatalogServer.start(DemoTenant.REPO, postgres.port(), tenant.warehouse())) {
      DemoTenant.writeRestEnv(tenant.conf(), "rest", rest.uri(), dir.resolve("files"));
      Submit.Result first = pipeline(tenant.conf(), "r1");
      for (String stage : PipelineRerunTest.STAGES) {
        assertTrue(first.err().contains("[pipeline] " + stage + ": ran (succeeded)"), stage + ":\n" + first.err());
      }

      // Every layer's tables are in the REST catalog, read through Iceberg's own REST client, stored where the
      // server puts them; none is a Hadoop catalog table.
      IcebergTables lake = IcebergTables.rest(rest.uri());
      List<String> tables = lake.tables();
      for (String t : List.of("_dlo.crm_contacts", "_dlo.orders", "_unified.unified_individual",
          "_unified.unified_link_individual", "_cio.customer_value", "_seg.membership_latest",
          "_seg.membership_history", "_act.activation_runs", "_ops.job_runs")) {
        assertTrue(tables.contains(TENANT + t), t + " in " + tables);
      }
      for (String t : tables) {
        String[] parts = t.split("\\.");
        assertTrue(lake.table(parts[0], parts[1]).location().contains(tenant.warehouse().toString()), t);
      }
      try (Stream<Path> files = Files.walk(tenant.warehouse())) {
        assertFalse(files.anyMatch(f -> f.endsWith("version-hint.text")), "no Hadoop catalog table");
      }

      // What the stages wrote hangs together: every record is linked to a profile, the members are profiles, and an
      // activation delivered its manifest.
      int individuals = lake.rows(TENANT + "_dlo", "crm_contacts").size() + lake.rows(TENANT + "_dlo", "web_signups")
          .size() + lake.rows(TENANT + "_dlo", "pos_customers").size();
      List<Map<String, Object>> links = lake.rows(TENANT + "_unified", "unified_link_individual");
      assertEquals(individuals, links.size(), "one link per source profile");
      Set<Object> profiles = lake.rows(TENANT + "_unified", "unified_individual").stream()
          .map(r -> r.get("unified_id")).collect(Collectors.toSet());
      assertTrue(profiles.size() > 0 && profiles.size() < individuals, profiles.size() + " of " + individuals);
      assertEquals(profiles, links.stream().map(r -> r.get("unified_id")).collect(Collectors.toSet()));
      List<Map<String, Object>> members = lake.rows(TENANT + "_seg", "membership_latest");
      assertFalse(members.isEmpty());
      assertTrue(members.stream().allMatch(m -> profiles.contains(m.get("member_id"))), "members are profiles");
      try (Stream<Path> files = Files.walk(exports)) {
        assertTrue(files.anyMatch(f -> f.toString().contains("r1-activation") && f.endsWith("_manifest.json")),
            "an activation manifest under " + exports);
      }
      // The model is in the catalog as views, which query reads through the same server.
      List<String> views = lake.views(TENANT + "_dmo");
      assertTrue(views.containsAll(List.of("individual", "unifiedindividual", "customer_value", "membership_latest")),
          views.toString());
      Submit.Result count = Submit.run("query", "--tenant", TENANT, "--conf", tenant.conf().toString(), "--env", "rest",
          "--format", "csv", "--master", "local[2]", "SELECT count(*) AS n FROM UnifiedIndividual");
      assertEquals(0, count.exitCode(), count.err());
      assertEquals("n\n" + profiles.size() + "\n", count.out());

      // A new server process: the catalog's state is in PostgreSQL, so the second pipeline sees every commit of the
      // first and has nothing to do.
      long before = rest.pid();
      rest.restart();
      assertNotEquals(before, rest.pid());
      int runs = lake.rows(TENANT + "_ops", "job_runs").size();
      Submit.Result second = pipeline(tenant.conf(), "r2");
      for (String stage : PipelineRerunTest.STAGES) {
        assertTrue(second.err().contains("[pipeline] " + stage + ": skipped ("), stage + ":\n" + second.err());
      }
      assertEquals(runs + PipelineRerunTest.STAGES.size(), lake.rows(TENANT + "_ops", "job_runs").size(),
          "one job_runs row per stage, added to the first pipeline's");
      assertEquals(profiles, lake.rows(TENANT + "_unified", "unified_individual").stream()
          .map(r -> r.get("unified_id")).collect(Collectors.toSet()), "the same profiles");
    }
  }

  private static Submit.Result pipeline(Path conf, String runId) {
    Submit.Result r = Submit.run("pipeline", "--tenant", TENANT, "--conf", conf.toString(), "--env", "rest",
        "--run-id", runId, "--as-of", "2025-12-01", "--master", "local[2]");
    assertEquals(0, r.exitCode(), r.err());
    return r;
  }
}
