package io.lakecdp.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakecdp.common.testing.IcebergTables;
import io.lakecdp.demo.DemoDataGenerator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills dlo-write (SIGKILL, through the real launcher) at two points of a run, reruns it, and checks
 * every table equals that of an undisturbed run over the same files: no duplicates, no gaps.
 */
class KillAndRerunTest {
  private static final List<String> TABLES =
      List.of("crm_contacts", "web_signups", "pos_customers", "orders", "order_lines", "email_events");

  @Test
  void killedRunsRerunToExactlyTheUndisturbedResult(@TempDir Path dir) {
    Path landing = dir.resolve("landing");
    Path warehouse = dir.resolve("warehouse");
    Path conf = dir.resolve("conf");
    new DemoDataGenerator(11, 0.005).generate(6000, landing, 2000);
    DemoTenant.install(conf, "reference", warehouse, landing);
    DemoTenant.install(conf, "killed", warehouse, landing);
    String[] common = {"--conf", conf.toString(), "--master", "local[2]"};

    Submit.Result reference = Submit.run(args("dlo-write", "--tenant", "reference", common));
    assertEquals(0, reference.exitCode(), reference.err());

    String firstLog = Submit.runAndKill(line -> line.contains("to quarantine"),
        args("dlo-write", "--tenant", "killed", common));
    assertTrue(firstLog.contains("stream crm_contacts"), firstLog);
    String secondLog = Submit.runAndKill(line -> line.contains(": committed "),
        args("dlo-write", "--tenant", "killed", common));
    assertTrue(secondLog.contains("committed"), secondLog);
    Submit.Result last = Submit.run(args("dlo-write", "--tenant", "killed", common));
    assertEquals(0, last.exitCode(), last.err());

    IcebergTables lake = new IcebergTables(warehouse);
    for (String table : TABLES) {
      List<Map<String, Object>> expected = content(lake.rows("reference_dlo", table));
      List<Map<String, Object>> actual = content(lake.rows("killed_dlo", table));
      assertTrue(expected.size() > 100, table + " should hold data");
      assertEquals(expected.size(), actual.size(), table + ": row count after kills and rerun");
      assertEquals(new HashSet<>(expected), new HashSet<>(actual), table + ": rows after kills and rerun");
      assertEquals(expected.size(), new HashSet<>(actual).size(), table + ": duplicate rows");
    }
    assertEquals(quarantine(lake.rows("reference_dlo", "quarantine")), quarantine(lake.rows("killed_dlo", "quarantine")));
  }

  private static String[] args(String job, String flag, String tenant, String[] common) {
    List<String> all = new ArrayList<>(List.of(job, flag, tenant));
    all.addAll(List.of(common));
    return all.toArray(new String[0]);
  }

  /** Rows without the columns that differ between two runs by design (ingest time, run id). */
  private static List<Map<String, Object>> content(List<Map<String, Object>> rows) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Map<String, Object> row : rows) {
      Map<String, Object> m = new HashMap<>(row);
      m.remove("_ingested_at");
      m.remove("_run_id");
      out.add(m);
    }
    return out;
  }

  private static Map<String, Integer> quarantine(List<Map<String, Object>> rows) {
    Map<String, Integer> counts = new HashMap<>();
    Set<String> seen = new HashSet<>();
    for (Map<String, Object> r : rows) {
      String key = r.get("stream") + "|" + r.get("source_file") + "|" + r.get("source_offset") + "|" + r.get("reason");
      counts.merge(key, seen.add(key) ? 1 : 1000, Integer::sum);
    }
    return counts;
  }
}
