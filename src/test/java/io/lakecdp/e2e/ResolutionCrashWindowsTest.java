package io.lakecdp.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakecdp.common.job.CrashPoints;
import io.lakecdp.common.testing.JobRun;
import io.lakecdp.common.testing.TestSpark;
import io.lakecdp.demo.DemoDataGenerator;
import io.lakecdp.dlowrite.DloWriteCommand;
import io.lakecdp.identity.IdentityResolutionCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An incremental identity resolution killed after each of its commits, then run again, ends with every unified table
 * as an undisturbed run leaves it. Each attempt starts from the same state: the unified tables set back to the
 * snapshots of the complete run before the change.
 */
class ResolutionCrashWindowsTest {
  private static final String TENANT = "irkill";
  private static final List<String> TABLES = List.of("unified_link_individual", "unified_individual",
      "match_explanations", "unified_contact_point_email", "unified_contact_point_phone",
      "unified_contact_point_address", "resolution_units");

  @Test
  void killedAfterEachCommitRerunsToTheUndisturbedResult(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("conf");
    Path landing = dir.resolve("landing");
    new DemoDataGenerator(11, 0.0).generate(150, landing, 100_000);
    DemoTenant.install(conf, TENANT, TestSpark.warehouse(), landing);
    assertEquals(0, JobRun.of(new DloWriteCommand(), "--tenant", TENANT, "--conf", conf.toString()).exitCode());
    assertEquals("complete", resolve(conf).summary().at("/details/mode").asText());
    Map<String, Long> before = snapshots();

    // A changed e-mail and a new contact, ingested; the undisturbed run is incremental.
    Path crm = landing.resolve("crm/contacts");
    String file;
    try (var files = Files.list(crm)) {
      file = files.sorted().findFirst().orElseThrow().toString();
    }
    List<String> lines = Files.readAllLines(Path.of(file));
    String[] changed = lines.get(1).split(",", -1);
    changed[4] = "someone.new@example.org";
    changed[11] = "2026-01-01 00:00:00";
    String[] added = lines.get(2).split(",", -1);
    added[0] = "C9000002";
    added[11] = "2026-01-01 00:00:00";
    Files.write(crm.resolve("contacts_9100.csv"), List.of(lines.get(0), String.join(",", changed),
        String.join(",", added)));
    assertEquals(0, JobRun.of(new DloWriteCommand(), "--tenant", TENANT, "--conf", conf.toString()).exitCode());
    JobRun undisturbedRun = resolve(conf);
    assertEquals("incremental", undisturbedRun.summary().at("/details/mode").asText(), undisturbedRun.out());
    Map<String, Set<String>> undisturbed = content();

    int k = 0;
    while (true) {
      k++;
      setBack(before);
      System.setProperty(CrashPoints.PROPERTY, String.valueOf(k));
      System.setProperty(CrashPoints.MODE, "throw");
      CrashPoints.reset();
      boolean crashed = false;
      try {
        resolve(conf);
      } catch (CrashPoints.SimulatedCrash expected) {
        crashed = true;
        // What a killed JVM would have lost: the datasets the run kept in memory.
        TestSpark.session().catalog().clearCache();
      } finally {
        System.clearProperty(CrashPoints.PROPERTY);
        System.clearProperty(CrashPoints.MODE);
      }
      if (!crashed) {
        break;
      }
      JobRun rerun = resolve(conf);
      assertEquals(0, rerun.exitCode(), rerun.err());
      assertEquals(undisturbed, content(), "killed after commit " + k);
    }
    assertTrue(k > 7, "an incremental run commits at least seven times (six tables and the link), stopped after "
        + (k - 1));
  }

  private static JobRun resolve(Path conf) {
    JobRun r = JobRun.of(new IdentityResolutionCommand(), "--tenant", TENANT, "--conf", conf.toString());
    assertEquals(0, r.exitCode(), r.err());
    return r;
  }

  /** The current snapshot of every unified table. */
  private static Map<String, Long> snapshots() {
    Map<String, Long> out = new TreeMap<>();
    for (String t : TABLES) {
      Row r = TestSpark.session().sql("SELECT snapshot_id FROM lake." + TENANT + "_unified." + t
          + ".snapshots ORDER BY committed_at DESC LIMIT 1").first();
      out.put(t, r.getLong(0));
    }
    return out;
  }

  /** Every unified table back at the given snapshot. */
  private static void setBack(Map<String, Long> snapshots) {
    SparkSession spark = TestSpark.session();
    snapshots.forEach((t, id) -> spark.sql("CALL lake.system.set_current_snapshot('" + TENANT + "_unified." + t + "', "
        + id + ")"));
  }

  /** Every row of every unified table as text, without the run id. */
  private static Map<String, Set<String>> content() {
    Map<String, Set<String>> out = new TreeMap<>();
    SparkSession spark = TestSpark.session();
    for (String t : TABLES) {
      Set<String> rows = new TreeSet<>();
      String table = "lake." + TENANT + "_unified." + t;
      spark.sql("REFRESH TABLE " + table);
      for (Row r : spark.table(table).drop("run_id").collectAsList()) {
        rows.add(r.toString());
      }
      out.put(t, rows);
    }
    return out;
  }
}
