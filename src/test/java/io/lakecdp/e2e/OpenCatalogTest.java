package io.lakecdp.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lakecdp.common.job.Json;
import io.lakecdp.common.testing.IcebergTables;
import io.lakecdp.testsupport.PostgresServer;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PostgreSQL JDBC catalog (conf/jdbc.yaml as shipped, on a real PostgreSQL 15 that scripts/postgres.sh starts),
 * each step its own spark-submit: a tenant's tables of a laptop's Hadoop warehouse move to it with
 * {@code catalog migrate}; two ingest jobs write to the tenant's tables at the same time and both commit everything;
 * {@code query} reads the model through it (read-only: statements are refused) with Data Explorer's row limit.
 */
class OpenCatalogTest {
  static final String TENANT = "open";

  @Test
  void migrateThenTwoConcurrentWritersThenQuery(@TempDir Path dir) throws Exception {
    DemoTenant.Installed tenant = DemoTenant.generate(dir, TENANT, 5, 200);
    Path conf = tenant.conf();
    Path warehouse = tenant.warehouse();
    try (PostgresServer postgres = PostgresServer.start(DemoTenant.REPO)) {
      DemoTenant.writeJdbcEnv(conf, "jdbc", postgres.port(), warehouse);

      // A laptop's warehouse (the Hadoop catalog of local.yaml) moves to the JDBC catalog.
      Submit.Result local = job("dlo-write", conf, "local", "--stream", "crm_contacts");
      IcebergTables hadoop = new IcebergTables(warehouse);
      List<Map<String, Object>> crm = hadoop.rows(TENANT + "_dlo", "crm_contacts");
      assertTrue(crm.size() > 100, local.err());
      Submit.Result migrate = Submit.run("catalog", "migrate", "--tenant", TENANT, "--from", "local", "--to", "jdbc",
          "--conf", conf.toString());
      assertEquals(0, migrate.exitCode(), migrate.err());
      List<String> tables = hadoop.tables();
      assertTrue(tables.contains(TENANT + "_ops.job_runs"), tables.toString());
      assertEquals(tables.size(), summary(migrate).get("registered").asInt(), migrate.out());
      IcebergTables jdbc = IcebergTables.jdbc("lake", postgres.jdbcUrl(), warehouse);
      assertEquals(tables, jdbc.tables(), "every table registered");
      assertEquals(crm, jdbc.rows(TENANT + "_dlo", "crm_contacts"), "the same rows through the JDBC catalog");
      Submit.Result again = Submit.run("catalog", "migrate", "--tenant", TENANT, "--from", "local", "--to", "jdbc",
          "--conf", conf.toString());
      assertEquals(0, again.exitCode(), again.err());
      assertEquals(0, summary(again).get("registered").asInt(), again.out());
      assertEquals(tables.size(), summary(again).get("already_registered").asInt(), again.out());

      // Two writers at once on tables of one tenant (each commits its DLOs, then both append to job_runs).
      CompletableFuture<Submit.Result> web = CompletableFuture.supplyAsync(() ->
          job("dlo-write", conf, "jdbc", "--stream", "web_signups,orders", "--run-id", "writer-web"));
      CompletableFuture<Submit.Result> pos = CompletableFuture.supplyAsync(() ->
          job("dlo-write", conf, "jdbc", "--stream", "pos_customers,email_events", "--run-id", "writer-pos"));
      JsonNode webRun = summary(web.join());
      JsonNode posRun = summary(pos.join());
      Map<String, Map<String, Object>> runs = jdbc.rowsBy(TENANT + "_ops", "job_runs", "run_id");
      assertTrue(runs.containsKey("writer-web") && runs.containsKey("writer-pos"), runs.keySet().toString());
      Timestamp webStart = (Timestamp) asTimestamp(runs.get("writer-web").get("started_at"));
      Timestamp webEnd = (Timestamp) asTimestamp(runs.get("writer-web").get("ended_at"));
      Timestamp posStart = (Timestamp) asTimestamp(runs.get("writer-pos").get("started_at"));
      Timestamp posEnd = (Timestamp) asTimestamp(runs.get("writer-pos").get("ended_at"));
      assertTrue(webStart.before(posEnd) && posStart.before(webEnd), "the two writers ran at the same time: "
          + webStart + "-" + webEnd + " / " + posStart + "-" + posEnd);
      for (var stream : Map.of("web_signups", webRun, "orders", webRun, "pos_customers", posRun, "email_events", posRun)
          .entrySet()) {
        long loaded = stream.getValue().at("/details/streams/" + stream.getKey() + "/rows_loaded").asLong();
        assertTrue(loaded > 0, stream.getKey() + ": " + stream.getValue());
        assertEquals(loaded, jdbc.rows(TENANT + "_dlo", stream.getKey()).size(), stream.getKey() + ": nothing lost");
      }

      // query: the model through the JDBC catalog; CSV on stdout is the result alone.
      Submit.Result csv = job("query", conf, "jdbc", "--format", "csv",
          "SELECT DataSourceId AS source, count(*) AS n FROM Individual GROUP BY 1 ORDER BY 1");
      String expected = "source,n\n" + "crm," + crm.size() + "\n"
          + "pos," + jdbc.rows(TENANT + "_dlo", "pos_customers").size() + "\n"
          + "web," + jdbc.rows(TENANT + "_dlo", "web_signups").size() + "\n";
      assertEquals(expected, csv.out(), csv.err());
      Submit.Result cut = job("query", conf, "jdbc", "--limit", "2", "SELECT Id, FirstName FROM Individual ORDER BY Id");
      assertEquals(2 + 4, cut.out().lines().count(), "two rows between the table's rules:\n" + cut.out());
      assertTrue(cut.err().contains("the result was cut at 2 rows"), cut.err());
      Submit.Result json = job("query", conf, "jdbc", "--format", "json", "--limit", "0",
          "SELECT Id FROM Individual WHERE DataSourceId = 'crm'");
      assertEquals(crm.size(), json.out().lines().count(), "--limit 0: every row");
      assertEquals(crm.stream().map(r -> String.valueOf(r.get("contact_id"))).sorted().collect(Collectors.toList()),
          json.out().lines().map(l -> {
            try {
              return Json.mapper().readTree(l).get("Id").asText();
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          }).sorted().toList());
      // (TenantSqlTest covers the sandbox's other refusals: files, functions, INSERT, MERGE, SET, ...)
      for (String refused : List.of("DELETE FROM Individual WHERE true", "DROP TABLE lake.open_dlo.orders",
          "SELECT * FROM lake.other_dlo.crm_contacts")) {
        Submit.Result r = Submit.run("query", "--tenant", TENANT, "--conf", conf.toString(), "--env", "jdbc",
            "--master", "local[2]", refused);
        assertEquals(2, r.exitCode(), refused + ":\n" + r.err());
        assertTrue(r.out().isEmpty(), "nothing on stdout: " + r.out());
      }
      assertEquals(crm.size(), jdbc.rows(TENANT + "_dlo", "crm_contacts").size(), "the refused statements changed nothing");
      assertTrue(jdbc.exists(TENANT + "_dlo", "orders"));
    }
  }

  private static Object asTimestamp(Object v) {
    return v instanceof java.time.OffsetDateTime o ? Timestamp.from(o.toInstant())
        : v instanceof java.time.LocalDateTime l ? Timestamp.valueOf(l) : v;
  }

  private static Submit.Result job(String job, Path conf, String env, String... args) {
    List<String> all = new java.util.ArrayList<>(List.of(job, "--tenant", TENANT, "--conf", conf.toString(), "--env", env,
        "--master", "local[2]"));
    all.addAll(List.of(args));
    Submit.Result r = Submit.run(all.toArray(new String[0]));
    assertEquals(0, r.exitCode(), String.join(" ", all) + ":\n" + r.err());
    return r;
  }

  /** The run's one-line JSON summary (the last line of standard output, or of standard error for query). */
  private static JsonNode summary(Submit.Result r) throws java.io.IOException {
    String line = r.out().lines().filter(l -> l.contains("\"lakecdp_summary\"")).reduce((a, b) -> b).orElseThrow();
    return Json.mapper().readTree(line);
  }
}
