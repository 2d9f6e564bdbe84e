package io.lakecdp.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakecdp.common.testing.IcebergTables;
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
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spark and Trino on the same tables: the demo pipeline runs with Spark on the PostgreSQL JDBC catalog, then a real
 * Trino 476 (scripts/trino.sh, Java 25) reads every DLO, the model views (a DMO, the unified profiles, an insight, the
 * memberships) and computes a join, each equal to what Spark reads ({@code query --engine spark} against
 * {@code query --engine trino}); a table Trino writes is read by a lakecdp job; and two publishes of different
 * segments at the same time both commit with their own membership changes.
 */
class TrinoTest {
  static final String TENANT = "lakehouse";

  @Test
  @SuppressWarnings("unchecked")
  void trinoReadsWhatSparkWroteAndSparkReadsWhatTrinoWrote(@TempDir Path dir) throws Exception {
    DemoTenant.Installed tenant = DemoTenant.generate(dir, TENANT, 9, 150);
    Path conf = tenant.conf();
    Path warehouse = tenant.warehouse();
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

      // Two publishes of different segments at the same time on the JDBC catalog (a later --as-of moves both
      // segments' 90-day windows): both commit, and each publish's membership changes, runs and members are its own.
      Map<String, Set<String>> before = members(lake);
      List<String> segments = List.of("loyal_buyers", "lapsed_openers");
      List<CompletableFuture<Submit.Result>> publishes = segments.stream().map(s -> CompletableFuture.supplyAsync(() ->
          Submit.run("segmentation", "publish", "--tenant", TENANT, "--conf", conf.toString(), "--env", "jdbc",
              "--segment", s, "--run-id", "concurrent-" + s, "--as-of", "2026-02-15", "--master", "local[2]")))
          .toList();
      for (CompletableFuture<Submit.Result> publish : publishes) {
        assertEquals(0, publish.join().exitCode(), publish.join().err());
      }
      Map<String, Map<String, Object>> runs = lake.rowsBy(TENANT + "_ops", "job_runs", "run_id");
      Map<String, Object> one = runs.get("concurrent-loyal_buyers");
      Map<String, Object> other = runs.get("concurrent-lapsed_openers");
      assertTrue(((Comparable<Object>) one.get("started_at")).compareTo(other.get("ended_at")) < 0
          && ((Comparable<Object>) other.get("started_at")).compareTo(one.get("ended_at")) < 0,
          "the two publishes ran at the same time: " + one + " / " + other);
      Map<String, Set<String>> after = members(lake);
      long changes = 0;
      for (String segment : segments) {
        String publish = "concurrent-" + segment;
        Set<String> added = new TreeSet<>(after.getOrDefault(segment, Set.of()));
        added.removeAll(before.getOrDefault(segment, Set.of()));
        Set<String> removed = new TreeSet<>(before.getOrDefault(segment, Set.of()));
        removed.removeAll(after.getOrDefault(segment, Set.of()));
        Map<String, Set<String>> history = new TreeMap<>();
        for (Map<String, Object> r : lake.rows(TENANT + "_seg", "membership_history")) {
          if (publish.equals(r.get("publish_id"))) {
            assertEquals(segment, r.get("segment_id"), "a publish records only its own segment");
            history.computeIfAbsent((String) r.get("change"), k -> new TreeSet<>()).add((String) r.get("member_id"));
          }
        }
        assertEquals(added, history.getOrDefault("added", Set.of()), segment + ": members added");
        assertEquals(removed, history.getOrDefault("removed", Set.of()), segment + ": members removed");
        changes += added.size() + removed.size();
        assertTrue(lake.rows(TENANT + "_seg", "membership_latest").stream()
            .filter(r -> segment.equals(r.get("segment_id"))).allMatch(r -> publish.equals(r.get("publish_id"))));
        List<Map<String, Object>> segmentRuns = lake.rows(TENANT + "_seg", "segment_runs").stream()
            .filter(r -> publish.equals(r.get("publish_id"))).toList();
        assertEquals(1, segmentRuns.size(), segmentRuns.toString());
        assertEquals((long) after.getOrDefault(segment, Set.of()).size(), segmentRuns.get(0).get("population"));
        assertEquals((long) added.size(), segmentRuns.get(0).get("added"));
        assertEquals((long) removed.size(), segmentRuns.get(0).get("removed"));
      }
      assertTrue(changes > 0, "the later reference time changed some membership");
      assertEquals(before.get("high_value"), after.get("high_value"), "a segment neither publish named is untouched");
    }
  }

  /** Segment id to its members, from membership_latest. */
  private static Map<String, Set<String>> members(IcebergTables lake) {
    Map<String, Set<String>> out = new TreeMap<>();
    for (Map<String, Object> r : lake.rows(TENANT + "_seg", "membership_latest")) {
      out.computeIfAbsent((String) r.get("segment_id"), k -> new TreeSet<>()).add((String) r.get("member_id"));
    }
    return out;
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
