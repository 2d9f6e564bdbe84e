package io.lakecdp.crossjob;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakecdp.common.testing.IcebergTables;
import io.lakecdp.common.testing.JobRun;
import io.lakecdp.common.testing.TestConf;
import io.lakecdp.dlowrite.DloWriteCommand;
import io.lakecdp.maintain.MaintainCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import org.apache.iceberg.Table;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Maintenance on a DLO with many small commits (appends, upserts and deletes as merge-on-read delete files): fewer
 * files, one snapshot, the same rows, orphans gone; and then the exactly-once checks that used to read the expired
 * snapshots still hold: the same landing files load nothing, a committed run id is a no-op.
 */
class MaintainTest {
  @Test
  void compactsExpiresAndKeepsIngestExactlyOnce(@TempDir Path dir) throws Exception {
    TestConf conf = TestConf.create(dir, "maint").tenantFile("streams.yaml", """
        streams:
          log: {format: csv, path: log, refresh: upsert, primaryKey: [k], fields: {k: string, v: long}}
        """);
    IcebergTables lake = IcebergTables.ofTestWarehouse();
    for (int i = 1; i <= 8; i++) {
      StringBuilder csv = new StringBuilder("k,v\n");
      for (int k = 0; k < 20; k++) {
        csv.append("k").append(k * 3 + i % 4).append(',').append(i * 100 + k).append('\n'); // overlapping keys
      }
      conf.landingFile(String.format("log/%03d.csv", i), csv.toString());
      JobRun r = JobRun.of(new DloWriteCommand(), conf.jobArgs("--run-id", "r" + i));
      assertEquals(0, r.exitCode(), r.err());
    }
    Table before = lake.table("maint_dlo", "log");
    long dataFilesBefore = total(before, "total-data-files");
    long deleteFilesBefore = total(before, "total-delete-files");
    assertTrue(dataFilesBefore >= 8 && deleteFilesBefore > 0, dataFilesBefore + " data, " + deleteFilesBefore + " delete");
    Map<String, Map<String, Object>> rows = lake.rowsBy("maint_dlo", "log", "k");
    Path stray = Path.of(before.location().replaceFirst("^file:", ""), "data", "stray-from-a-failed-write.parquet");
    Files.writeString(stray, "not referenced by any snapshot");
    Files.setLastModifiedTime(stray, FileTime.fromMillis(System.currentTimeMillis() - 3_600_000));
    // A batch a one-pass ingest staged and never published (killed, not rerun): its rows must not survive maintenance.
    before.manageSnapshots().createBranch("lakecdp_stage", before.currentSnapshot().snapshotId()).commit();
    io.lakecdp.common.testing.TestSpark.session().sql("REFRESH TABLE lake.maint_dlo.log");
    io.lakecdp.common.testing.TestSpark.session().sql("INSERT INTO lake.maint_dlo.log.branch_lakecdp_stage "
        + "SELECT 'staged', 1, 'staged.csv', current_timestamp(), 'staged-run'");

    JobRun m = JobRun.of(new MaintainCommand(), conf.jobArgs("--older-than", "0s", "--retain-last", "1"));
    assertEquals(0, m.exitCode(), m.err());
    Table after = lake.table("maint_dlo", "log");
    assertTrue(total(after, "total-data-files") < dataFilesBefore, m.out());
    assertEquals(0, total(after, "total-delete-files"), "deletes applied: " + m.out());
    assertEquals(1, lake.snapshotCount("maint_dlo", "log"), "the staged batch's snapshot expired with the others");
    assertEquals(java.util.Set.of("main"), lake.table("maint_dlo", "log").refs().keySet());
    assertTrue(m.summary().at("/details/tables/lake.maint_dlo.log/staging_branch_removed").asBoolean(), m.out());
    assertEquals(rows, lake.rowsBy("maint_dlo", "log", "k"), "maintenance changes files, never rows");
    assertTrue(Files.notExists(stray), "the orphan file is removed");
    assertTrue(m.summary().at("/details/ledger_entries_kept").asLong() >= 8 + 8, m.out());
    assertEquals(dataFilesBefore + deleteFilesBefore,
        m.summary().at("/details/tables/lake.maint_dlo.log/before/data_files").asLong()
            + m.summary().at("/details/tables/lake.maint_dlo.log/before/delete_files").asLong());

    // Exactly-once after the most aggressive expiry: nothing is read again, a committed run id does nothing.
    JobRun again = JobRun.of(new DloWriteCommand(), conf.jobArgs("--run-id", "r9"));
    assertEquals("up_to_date", again.summary().at("/details/streams/log/status").asText(), again.out());
    JobRun same = JobRun.of(new DloWriteCommand(), conf.jobArgs("--run-id", "r8"));
    assertEquals("already_committed", same.summary().at("/details/streams/log/status").asText(), same.out());
    assertEquals(rows, lake.rowsBy("maint_dlo", "log", "k"));
    // A new file still loads, once.
    conf.landingFile("log/009.csv", "k,v\nnew,1\n");
    JobRun next = JobRun.of(new DloWriteCommand(), conf.jobArgs("--run-id", "r10"));
    assertEquals(1, next.summary().at("/details/streams/log/rows_loaded").asLong(), next.out());
    assertEquals(rows.size() + 1, lake.rows("maint_dlo", "log").size());

    JobRun twice = JobRun.of(new MaintainCommand(), conf.jobArgs("--older-than", "0s", "--retain-last", "1"));
    assertEquals(0, twice.exitCode(), twice.err());
    assertEquals(3, twice.summary().at("/details/ledger_entries_kept").asLong(), "only the new commit's file, batch and run");
    assertEquals(rows.size() + 1, lake.rows("maint_dlo", "log").size());
    JobRun bad = JobRun.of(new MaintainCommand(), conf.jobArgs("--older-than", "a week"));
    assertEquals(2, bad.exitCode());
    assertTrue(bad.err().contains("--older-than") && bad.err().contains("a week"), bad.err());
  }

  private static long total(Table t, String key) {
    return Long.parseLong(t.currentSnapshot().summary().getOrDefault(key, "0"));
  }
}
