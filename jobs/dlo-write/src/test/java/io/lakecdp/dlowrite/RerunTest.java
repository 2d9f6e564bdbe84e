package io.lakecdp.dlowrite;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lakecdp.common.lake.CommitKeys;
import io.lakecdp.common.testing.IcebergTables;
import io.lakecdp.common.testing.JobRun;
import io.lakecdp.common.testing.TestConf;
import java.nio.file.Path;
import org.apache.iceberg.Snapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files are ingested once; a rerun of the same run id is a no-op. */
class RerunTest {
  @Test
  void filesAreIngestedOnceAndTheSameRunIdDoesNotWriteTwice(@TempDir Path dir) {
    TestConf conf = TestConf.create(dir, "rerun").tenantFile("streams.yaml", """
        streams:
          log: {format: csv, path: log, refresh: upsert, primaryKey: [k], fields: {k: string, v: long}}
        """);
    conf.landingFile("log/001.csv", "k,v\na,1\nb,2\n");
    IcebergTables lake = IcebergTables.ofTestWarehouse();

    JobRun first = JobRun.of(new DloWriteCommand(), conf.jobArgs("--run-id", "r1"));
    assertEquals(0, first.exitCode(), first.err());
    int snapshots = lake.snapshotCount("rerun_dlo", "log");
    Snapshot s = lake.table("rerun_dlo", "log").currentSnapshot();
    assertEquals("r1", s.summary().get(CommitKeys.RUN_ID));
    assertEquals(true, s.summary().get("lakecdp.ingested-files").contains("log/001.csv|"));

    conf.landingFile("log/002.csv", "k,v\nc,3\n");
    JobRun same = JobRun.of(new DloWriteCommand(), conf.jobArgs("--run-id", "r1"));
    assertEquals("already_committed", same.summary().at("/details/streams/log/status").asText());
    assertEquals(snapshots, lake.snapshotCount("rerun_dlo", "log"));

    JobRun next = JobRun.of(new DloWriteCommand(), conf.jobArgs("--run-id", "r2"));
    assertEquals(1, next.summary().at("/details/streams/log/records_read").asLong(), "only the new file is read");
    assertEquals(3, lake.rows("rerun_dlo", "log").size());

    JobRun idle = JobRun.of(new DloWriteCommand(), conf.jobArgs("--run-id", "r3"));
    assertEquals("up_to_date", idle.summary().at("/details/streams/log/status").asText());
    assertEquals(snapshots + 1, lake.snapshotCount("rerun_dlo", "log"));
  }

  @Test
  void fullRefreshReplacesTheTableAtomically(@TempDir Path dir) {
    TestConf conf = TestConf.create(dir, "refresh").tenantFile("streams.yaml", """
        streams:
          catalog: {format: csv, path: catalog, refresh: full_refresh, primaryKey: [sku], fields: {sku: string,
              price: double}}
        """);
    conf.landingFile("catalog/v1.csv", "sku,price\ns1,1.0\ns2,2.0\ns3,3.0\n");
    assertEquals(0, JobRun.of(new DloWriteCommand(), conf.jobArgs()).exitCode());
    IcebergTables lake = IcebergTables.ofTestWarehouse();
    assertEquals(3, lake.rows("refresh_dlo", "catalog").size());

    conf.landingFile("catalog/v2.csv", "sku,price\ns2,2.5\ns4,4.0\n");
    assertEquals(0, JobRun.of(new DloWriteCommand(), conf.jobArgs()).exitCode());
    var rows = lake.rowsBy("refresh_dlo", "catalog", "sku");
    assertEquals(java.util.Set.of("s2", "s4"), rows.keySet());
    assertEquals(2.5, rows.get("s2").get("price"));
    assertEquals("overwrite", lake.table("refresh_dlo", "catalog").currentSnapshot().operation());
  }
}
