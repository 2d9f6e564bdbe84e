package io.lakecdp.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakecdp.common.testing.IcebergTables;
import io.lakecdp.demo.DemoDataGenerator;
import io.lakecdp.testsupport.PostgresServer;
import io.lakecdp.testsupport.TrinoServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spark and Trino on the same tables: the demo pipeline runs with Spark on the PostgreSQL JDBC catalog, then a real
 * Trino 476 (scripts/trino.sh, Java 25) reads every DLO, the model views (a DMO, the unified profiles, an insight, the
 * memberships) and computes a join, each equal to what Spark reads ({@code query --engine spark} against
 * {@code query --engine trino}); and a table Trino writes is read by a lakecdp job.
 */
class TrinoTest {
  static final String TENANT = "lakehouse";

  @Test
  void trinoReadsWhatSparkWroteAndSparkReadsWhatTrinoWrote(@TempDir Path dir) throws Exception {
    Path landing = dir.resolve("landing");
    new DemoDataGenerator(9, 0.0).generate(150, landing, 100_000);
    Path conf = dir.resolve("conf");
    Path warehouse = dir.resolve("warehouse");
    DemoTenant.install(conf, TENANT, warehouse, landing);
    // No deliveries here: the question is what each engine reads.
    deleteTree(conf.resolve("tenants/" + TENANT + "/activations"));
    try (PostgresServer postgres = PostgresServer.start(DemoTenant.REPO);
        TrinoServer trino = TrinoServer.start(DemoTenant.REPO, postgres.port(), warehouse)) {
      DemoTenant.writeJdbcEnv(conf, "jdbc", postgres.port(), warehouse);
      Submit.Result pipeline = Submit.run("pipeline", "--tenant", TENANT, "--conf", conf.toString(), "--env", "jdbc",
          "--run-id", "t1", "--as-of", "2025-12-01", "--master", "local[2]");
      assertEquals(0, pipeline.exitCode(), pipeline.err());
      IcebergTables lake = IcebergTables.jdbc("lake", postgres.jdbcUrl(), warehouse);

      Properties user = new Properties();
      user.setProperty("user", "lakecdp");
      try (Connection c = DriverManager.getConnection(trino.jdbcUrl(), user); Statement st = c.createStatement()) {
        // Every DLO, read by Trino through the catalog, against Iceberg's own reader.
        List<String> dlos = new ArrayList<>();
        try (ResultSet rs = st.executeQuery("SHOW TABLES FROM lake." + TENANT + "_dlo")) {
          while (rs.next()) {
            dlos.add(rs.getString(1));
          }
        }
        assertTrue(dlos.containsAll(List.of("crm_contacts", "web_signups", "pos_customers", "orders")), dlos.toString());
        for (String t : dlos) {
          assertEquals(lake.rows(TENANT + "_dlo", t).size(), count(st, "lake." + TENANT + "_dlo." + t), t);
        }

        // The model through both engines: the same counts, the same join.
        String counts = "SELECT (SELECT count(*) FROM Individual) AS individuals, "
            + "(SELECT count(*) FROM UnifiedIndividual) AS unified, (SELECT count(*) FROM customer_value) AS insight, "
            + "(SELECT count(*) FROM membership_latest) AS members";
        String spark = query(conf, "spark", trino, counts);
        assertEquals(spark, query(conf, "trino", trino, counts), "counts through Spark and through Trino");
        String expected = "individuals,unified,insight,members\n" + (lake.rows(TENANT + "_dlo", "crm_contacts").size()
            + lake.rows(TENANT + "_dlo", "web_signups").size() + lake.rows(TENANT + "_dlo", "pos_customers").size())
            + "," + lake.rows(TENANT + "_unified", "unified_individual").size() + ","
            + lake.rows(TENANT + "_cio", "customer_value").size() + ","
            + lake.rows(TENANT + "_seg", "membership_latest").size() + "\n";
        assertEquals(expected, spark, "the counts are the tables' own");
        String join = "SELECT m.segment_id, count(*) AS members, "
            + "CAST(round(sum(c.lifetime_spend) * 100) AS bigint) AS spend_cents FROM membership_latest m "
            + "JOIN customer_value c ON c.unified_id = m.member_id GROUP BY m.segment_id ORDER BY m.segment_id";
        String sparkJoin = query(conf, "spark", trino, join);
        assertTrue(sparkJoin.lines().count() >= 2, sparkJoin);
        assertEquals(sparkJoin, query(conf, "trino", trino, join), "segment members with their lifetime spend");

        // The other way: a table Trino writes is read by a lakecdp job.
        st.execute("CREATE TABLE lake." + TENANT + "_dlo.trino_vips AS SELECT member_id FROM lake." + TENANT
            + "_dmo.membership_latest WHERE segment_id = 'high_value'");
        long vips = count(st, "lake." + TENANT + "_dlo.trino_vips");
        assertTrue(vips > 0);
        Submit.Result inspect = Submit.run("inspect", "--tenant", TENANT, "--conf", conf.toString(), "--env", "jdbc",
            "--master", "local[2]");
        assertEquals(0, inspect.exitCode(), inspect.err());
        assertTrue(inspect.out().lines().anyMatch(l -> l.contains("lake." + TENANT + "_dlo.trino_vips")
            && l.replace(",", "").contains(" " + vips + " rows")), inspect.out());
      }
    }
  }

  private static long count(Statement st, String table) throws java.sql.SQLException {
    try (ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static String query(Path conf, String engine, TrinoServer trino, String sql) {
    Submit.Result r = Submit.run("query", "--tenant", TENANT, "--conf", conf.toString(), "--env", "jdbc", "--engine",
        engine, "--trino-url", trino.url(), "--format", "csv", "--master", "local[2]", sql);
    assertEquals(0, r.exitCode(), engine + ": " + r.err());
    return r.out();
  }

  private static void deleteTree(Path dir) throws java.io.IOException {
    try (var files = Files.walk(dir)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
