package io.lakecdp.dlowrite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakecdp.common.job.CrashPoints;
import io.lakecdp.common.testing.IcebergTables;
import io.lakecdp.common.testing.JobRun;
import io.lakecdp.common.testing.TestConf;
import io.lakecdp.common.testing.TestSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A batch into an empty DLO is read, counted and written in one pass to a staging branch, then published: it must
 * leave exactly what the cached load leaves (rows, quarantine, new columns), fall back to that load when the counts
 * ask for it, never leave its branch behind, and end as an undisturbed run when killed after any of its commits.
 */
class OnePassLoadTest {
  private static final String STREAMS = """
      streams:
        people: {format: csv, path: people, primaryKey: [id], lastModified: ts, schemaEvolution: add_columns,
            fields: {id: int, name: string, amount: int, ts: {type: timestamp, format: "yyyy-MM-dd HH:mm:ss"}}}
      """;

  /** Two files, a column the stream does not declare, and records that must go to quarantine. */
  private static TestConf people(Path dir, String tenant, boolean repeatAKey) {
    TestConf conf = TestConf.create(dir, tenant).tenantFile("streams.yaml", STREAMS);
    StringBuilder first = new StringBuilder("id,name,amount,ts,Loyalty Tier\n");
    StringBuilder second = new StringBuilder("id,name,amount,ts,Loyalty Tier\n");
    for (int i = 0; i < 300; i++) {
      first.append(i).append(",a").append(i).append(',').append(i % 50).append(",2025-01-01 10:00:00,gold\n");
      second.append(1000 + i).append(",b").append(i).append(',').append(i).append(",2025-01-02 10:00:00,\n");
    }
    first.append("x12,bad id,1,2025-01-01 10:00:00,gold\n");
    second.append("2000,bad amount,lots,2025-01-01 10:00:00,\n");
    second.append("2001,bad time,3,yesterday,\n");
    if (repeatAKey) {
      second.append("7,newer,9,2025-01-03 10:00:00,silver\n");
    }
    conf.landingFile("people/1.csv", first.toString());
    conf.landingFile("people/2.csv", second.toString());
    return conf;
  }

  /**
   * The rejected records go to quarantine from what the load kept of them, or (the in-memory limit at 0) read
   * again from the files: either way as the cached load leaves them.
   */
  @ParameterizedTest
  @ValueSource(strings = {"default", "0"})
  void onePassLeavesWhatTheCachedLoadLeaves(String quarantineInMemory, @TempDir Path dir) {
    if (!quarantineInMemory.equals("default")) {
      TestSpark.session().conf().set("spark.lakecdp.ingest.quarantineInMemoryChars", quarantineInMemory);
    }
    String one = "onepass" + (quarantineInMemory.equals("default") ? "" : "reread");
    String two = "cachedpass" + (quarantineInMemory.equals("default") ? "" : "reread");
    JobRun onePass;
    try {
      onePass = load(people(dir.resolve("a"), one, false), true, "one-1");
    } finally {
      TestSpark.session().conf().unset("spark.lakecdp.ingest.quarantineInMemoryChars");
    }
    JobRun cached = load(people(dir.resolve("b"), two, false), false, "cached-1");
    assertEquals("one_pass", onePass.summary().at("/details/streams/people/load").asText(), onePass.out());
    assertEquals("cached", cached.summary().at("/details/streams/people/load").asText(), cached.out());
    for (JobRun r : List.of(onePass, cached)) {
      assertEquals(603, r.summary().get("rows_in").asLong());
      assertEquals(600, r.summary().get("rows_out").asLong());
      assertEquals(3, r.summary().get("rows_quarantined").asLong());
    }
    assertEquals(cached.summary().at("/details/streams/people/schema_changes").toString().replace(two, one),
        onePass.summary().at("/details/streams/people/schema_changes").toString());
    Map<String, List<String>> state = state(one);
    assertEquals(state(two), state);
    assertTrue(state.get("dlo").stream().anyMatch(r -> r.contains("loyalty_tier=gold")), state.get("dlo").toString());
    assertEquals(3, state.get("quarantine").size());
    assertEquals(Set.of("main"), IcebergTables.ofTestWarehouse().table(one + "_dlo", "people").refs().keySet());
    for (String tenant : List.of(one, two)) {
      lineageColumnsHaveNoStatistics(IcebergTables.ofTestWarehouse().table(tenant + "_dlo", "people"));
    }
  }

  /** The lineage columns are written without Parquet statistics (so without Iceberg bounds); the others keep them. */
  private static void lineageColumnsHaveNoStatistics(Table t) {
    int files = 0;
    try (CloseableIterable<FileScanTask> tasks = t.newScan().includeColumnStats().planFiles()) {
      for (FileScanTask task : tasks) {
        files++;
        Map<Integer, java.nio.ByteBuffer> lower = task.file().lowerBounds();
        assertTrue(lower.containsKey(t.schema().findField("id").fieldId()), lower.toString());
        assertTrue(lower.containsKey(t.schema().findField("name").fieldId()), lower.toString());
        assertFalse(lower.containsKey(t.schema().findField("_source_file").fieldId()), lower.toString());
        assertFalse(lower.containsKey(t.schema().findField("_run_id").fieldId()), lower.toString());
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    assertTrue(files > 0);
  }

  @Test
  void aRepeatedKeyDropsTheOnePassLoadForTheCachedOne(@TempDir Path dir) {
    JobRun run = load(people(dir.resolve("a"), "onepassrepeat", true), true, "rep-1");
    assertEquals("cached", run.summary().at("/details/streams/people/load").asText(), run.out());
    load(people(dir.resolve("b"), "cachedrepeat", true), false, "rep-2");
    Map<String, List<String>> state = state("onepassrepeat");
    assertEquals(state("cachedrepeat"), state);
    assertTrue(state.get("dlo").stream().anyMatch(r -> r.contains("name=newer")), state.get("dlo").toString());
    assertEquals(600, state.get("dlo").size(), "one row per key");
    assertEquals(Set.of("main"), IcebergTables.ofTestWarehouse().table("onepassrepeat_dlo", "people").refs().keySet());
  }

  @Test
  void jsonFieldsToAddDropTheOnePassLoadAndIgnoredOnesDoNot(@TempDir Path dir) {
    String json = "{\"id\":\"a\",\"n\":1}\n{\"id\":\"b\",\"n\":2,\"utm\":\"mail\"}\n";
    for (String evolution : List.of("add_columns", "ignore")) {
      String tenant = "onepassjson" + evolution.replace("_", "");
      TestConf conf = TestConf.create(dir.resolve(evolution), tenant).tenantFile("streams.yaml",
          "streams:\n  ev: {format: json, path: ev, primaryKey: [id], schemaEvolution: " + evolution
              + ", fields: {id: string, n: int}}\n");
      conf.landingFile("ev/1.jsonl", json);
      JobRun run = load(conf, true, "json-" + evolution);
      boolean add = evolution.equals("add_columns");
      assertEquals(add ? "cached" : "one_pass", run.summary().at("/details/streams/ev/load").asText(), run.out());
      Map<String, Map<String, Object>> rows = IcebergTables.ofTestWarehouse().rowsBy(tenant + "_dlo", "ev", "id");
      assertEquals(Set.of("a", "b"), rows.keySet());
      assertEquals(add, rows.get("b").containsKey("utm"), rows.toString());
      if (add) {
        assertEquals("mail", rows.get("b").get("utm"));
      }
      assertEquals(Set.of("main"), IcebergTables.ofTestWarehouse().table(tenant + "_dlo", "ev").refs().keySet());
    }
  }

  /**
   * Delete-flagged records in a first load: one for a key nothing else in the batch has deletes nothing and keeps the
   * one pass; one for a key the batch also upserts needs ordering by key, so the batch falls back. Both leave what
   * the cached load leaves.
   */
  @Test
  void deleteRequestsInAFirstLoad(@TempDir Path dir) {
    String streams = "streams:\n  people: {format: csv, path: people, primaryKey: [id], lastModified: ts, deleteFlag: del,"
        + " fields: {id: int, name: string, ts: {type: timestamp, format: \"yyyy-MM-dd HH:mm:ss\"}, del: boolean}}\n";
    String lonely = "id,name,ts,del\n1,ann,2025-01-01 10:00:00,false\n2,bob,2025-01-01 10:00:00,false\n"
        + "9,gone,2025-01-02 10:00:00,true\n";
    String repeated = lonely + "1,ann,2025-01-03 10:00:00,true\n";
    for (String[] c : List.of(new String[] {"lonely", lonely, "one_pass"}, new String[] {"repeated", repeated, "cached"})) {
      Map<String, List<String>> states = new TreeMap<>();
      for (boolean onePass : List.of(true, false)) {
        String tenant = "onepassdel" + c[0] + onePass;
        TestConf conf = TestConf.create(dir.resolve(tenant), tenant).tenantFile("streams.yaml", streams);
        conf.landingFile("people/1.csv", c[1]);
        JobRun run = load(conf, onePass, tenant + "-1");
        assertEquals(onePass ? c[2] : "cached", run.summary().at("/details/streams/people/load").asText(), run.out());
        assertEquals(c[0].equals("lonely") ? 1 : 2, run.summary().at("/details/streams/people/delete_requests").asLong(),
            run.out());
        Map<String, Map<String, Object>> rows = IcebergTables.ofTestWarehouse().rowsBy(tenant + "_dlo", "people", "id");
        assertEquals(c[0].equals("lonely") ? Set.of("1", "2") : Set.of("2"), rows.keySet(), c[0]);
        states.put(Boolean.toString(onePass), state(tenant).get("dlo"));
      }
      assertEquals(states.get("false"), states.get("true"), c[0]);
    }
  }

  /** A first batch with no valid record: nothing loaded, everything quarantined, the files recorded once. */
  @Test
  void aFirstBatchOfOnlyBadRecordsIsQuarantinedAndRecorded(@TempDir Path dir) {
    TestConf conf = TestConf.create(dir, "onepassbad").tenantFile("streams.yaml", STREAMS);
    conf.landingFile("people/1.csv", "id,name,amount,ts\nx1,a,1,2025-01-01 10:00:00\n2,b,lots,2025-01-01 10:00:00\n");
    JobRun run = load(conf, true, "bad-1");
    assertEquals("one_pass", run.summary().at("/details/streams/people/load").asText(), run.out());
    assertEquals(0, run.summary().get("rows_out").asLong());
    assertEquals(2, run.summary().get("rows_quarantined").asLong());
    assertEquals(List.of(), state("onepassbad").get("dlo"));
    assertEquals(2, state("onepassbad").get("quarantine").size());
    JobRun again = load(conf, true, "bad-2");
    assertEquals("up_to_date", again.summary().at("/details/streams/people/status").asText(), again.out());
    assertEquals(Set.of("main"), IcebergTables.ofTestWarehouse().table("onepassbad_dlo", "people").refs().keySet());
  }

  /** A branch left by a one-pass load that never published goes with the next batch, even one the MERGE takes. */
  @Test
  void theNextBatchRemovesAStaleStagingBranch(@TempDir Path dir) {
    TestConf conf = people(dir, "onepassstale", false);
    load(conf, true, "stale-1");
    org.apache.iceberg.Table t = IcebergTables.ofTestWarehouse().table("onepassstale_dlo", "people");
    t.manageSnapshots().createBranch("lakecdp_stage", t.currentSnapshot().snapshotId()).commit();
    conf.landingFile("people/3.csv", "id,name,amount,ts,Loyalty Tier\n5000,c,1,2025-01-04 10:00:00,\n");
    JobRun second = load(conf, true, "stale-2");
    assertEquals("cached", second.summary().at("/details/streams/people/load").asText(), second.out());
    assertEquals(Set.of("main"), IcebergTables.ofTestWarehouse().table("onepassstale_dlo", "people").refs().keySet());
    assertEquals(601, state("onepassstale").get("dlo").size());
  }

  /** A DLO created before its lineage columns went without statistics gets the properties at its next batch. */
  @Test
  void anOlderDloGetsTheLineageProperties(@TempDir Path dir) {
    TestConf conf = people(dir, "onepassolder", false);
    load(conf, true, "older-1");
    org.apache.iceberg.Table t = IcebergTables.ofTestWarehouse().table("onepassolder_dlo", "people");
    List<String> keys = List.of("write.parquet.stats-enabled.column._source_file",
        "write.parquet.stats-enabled.column._run_id");
    assertEquals(List.of("false", "false"), keys.stream().map(k -> t.properties().get(k)).toList());
    var strip = t.updateProperties();
    keys.forEach(strip::remove);
    strip.commit();
    conf.landingFile("people/3.csv", "id,name,amount,ts,Loyalty Tier\n5000,c,1,2025-01-04 10:00:00,\n");
    load(conf, true, "older-2");
    org.apache.iceberg.Table after = IcebergTables.ofTestWarehouse().table("onepassolder_dlo", "people");
    assertEquals(List.of("false", "false"), keys.stream().map(k -> after.properties().get(k)).toList());
    lineageColumnsHaveNoStatistics(after);
    assertEquals(601, state("onepassolder").get("dlo").size());
  }

  /**
   * Killed after each commit of a one-pass load (the staged write, the quarantine, the publish, the run record), then
   * run again with the same run id or a new one: the DLO and the quarantine end as after an undisturbed run.
   */
  @Test
  void killedAfterEachCommitRerunsToTheUndisturbedLoad(@TempDir Path dir) {
    load(people(dir.resolve("ref"), "onepassref", false), true, "ref-1");
    Map<String, List<String>> undisturbed = state("onepassref");
    int windows = 0;
    for (int k = 1; k <= 8; k++) {
      for (String rerunId : List.of("crash-" + k, "crash-" + k + "-next")) {
        String tenant = "onepasscrash" + k + (rerunId.endsWith("next") ? "n" : "s");
        TestConf conf = people(dir.resolve(tenant), tenant, false);
        System.setProperty(CrashPoints.PROPERTY, String.valueOf(k));
        System.setProperty(CrashPoints.MODE, "throw");
        CrashPoints.reset();
        boolean crashed;
        try {
          String firstId = "crash-" + k;
          crashed = crashes(() -> JobRun.of(new DloWriteCommand(), conf.jobArgs("--run-id", firstId)));
        } finally {
          System.clearProperty(CrashPoints.PROPERTY);
          System.clearProperty(CrashPoints.MODE);
        }
        if (!crashed) {
          assertTrue(windows >= 4, "the one-pass load has a staged write, a quarantine, a publish and a run record; "
              + "crashed after " + windows + " of them");
          return;
        }
        JobRun rerun = JobRun.of(new DloWriteCommand(), conf.jobArgs("--run-id", rerunId));
        assertEquals(0, rerun.exitCode(), rerun.err());
        assertEquals(undisturbed, state(tenant), "killed after commit " + k + ", rerun as " + rerunId);
        assertEquals(Set.of("main"), IcebergTables.ofTestWarehouse().table(tenant + "_dlo", "people").refs().keySet());
      }
      windows++;
    }
    throw new AssertionError("a one-pass load should end within 8 commits");
  }

  private static boolean crashes(Runnable run) {
    try {
      run.run();
      return false;
    } catch (CrashPoints.SimulatedCrash e) {
      return true;
    }
  }

  private static JobRun load(TestConf conf, boolean onePass, String runId) {
    TestSpark.session().conf().set("spark.lakecdp.ingest.directAppend", Boolean.toString(onePass));
    try {
      JobRun run = JobRun.of(new DloWriteCommand(), conf.jobArgs("--run-id", runId));
      assertEquals(0, run.exitCode(), run.err());
      return run;
    } finally {
      TestSpark.session().conf().unset("spark.lakecdp.ingest.directAppend");
    }
  }

  /** The tenant's DLO rows and quarantine, without run ids, times and folders, sorted. */
  private static Map<String, List<String>> state(String tenant) {
    IcebergTables lake = IcebergTables.ofTestWarehouse();
    Map<String, List<String>> out = new TreeMap<>();
    for (String table : List.of("people", "quarantine")) {
      List<String> rows = new ArrayList<>();
      for (Map<String, Object> row : lake.exists(tenant + "_dlo", table) ? lake.rows(tenant + "_dlo", table)
          : List.<Map<String, Object>>of()) {
        Map<String, Object> kept = new TreeMap<>();
        row.forEach((k, v) -> {
          if (!Set.of("_run_id", "_ingested_at", "run_id", "quarantined_at").contains(k)) {
            kept.put(k, v instanceof String s && s.contains("/people/") ? s.substring(s.lastIndexOf('/')) : v);
          }
        });
        rows.add(kept.toString());
      }
      rows.sort(null);
      out.put(table.equals("people") ? "dlo" : table, rows);
    }
    return out;
  }
}
