package io.lakecdp.dlowrite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakecdp.common.testing.IcebergTables;
import io.lakecdp.common.testing.JobRun;
import io.lakecdp.common.testing.TestConf;
import io.lakecdp.common.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exit codes, the summary line, job_runs telemetry, help, and a Parquet source. */
class JobContractTest {
  @Test
  void badConfigExitsWithTwoBeforeTouchingAnyData(@TempDir Path dir) {
    TestConf conf = TestConf.create(dir, "badconf").tenantFile("streams.yaml", """
        streams:
          s: {format: csv, path: s, primaryKey: [id], fields: {id: strin}}
        """);
    conf.landingFile("s/1.csv", "id\nx\n");
    JobRun run = JobRun.of(new DloWriteCommand(), conf.jobArgs());
    assertEquals(2, run.exitCode());
    assertTrue(run.err().contains("Invalid configuration in " + conf.tenantDir().resolve("streams.yaml")
        + " at streams.s.fields.id: unknown type 'strin'"), run.err());
    assertEquals("invalid_config", run.summary().get("status").asText());
    assertFalse(Files.exists(TestSpark.warehouse().resolve("badconf_dlo")));
  }

  @Test
  void unknownStreamOptionIsAConfigError(@TempDir Path dir) {
    TestConf conf = TestConf.create(dir, "badstream").tenantFile("streams.yaml",
        "streams:\n  s:\n    format: csv\n    path: s\n    primaryKey: [id]\n    fields: {id: string}\n");
    JobRun run = JobRun.of(new DloWriteCommand(), conf.jobArgs("--stream", "t"));
    assertEquals(2, run.exitCode());
    assertTrue(run.err().contains("unknown stream 't' (streams of tenant badstream: s)"), run.err());
  }

  @Test
  void everyRunAppendsToJobRunsAndEndsWithTheSummary(@TempDir Path dir) {
    TestConf conf = TestConf.create(dir, "telemetry").tenantFile("streams.yaml", """
        streams:
          s: {format: csv, path: s, primaryKey: [id], schemaEvolution: fail, fields: {id: string, n: int}}
        """);
    conf.landingFile("s/1.csv", "id,n\na,1\nb,x\n");
    JobRun ok = JobRun.of(new DloWriteCommand(), conf.jobArgs("--run-id", "t-1"));
    assertEquals(0, ok.exitCode(), ok.err());
    assertEquals("succeeded", ok.summary().get("status").asText());
    assertTrue(ok.summary().at("/metrics/records_read").asLong() > 0, ok.summary().toString());
    conf.landingFile("s/2.csv", "id,n,extra\nc,1,z\n");
    JobRun invalid = JobRun.of(new DloWriteCommand(), conf.jobArgs("--run-id", "t-2"));
    assertEquals(2, invalid.exitCode());

    List<Map<String, Object>> runs = IcebergTables.ofTestWarehouse().rows("telemetry_ops", "job_runs");
    runs.sort((a, b) -> ((String) a.get("run_id")).compareTo((String) b.get("run_id")));
    assertEquals(2, runs.size());
    assertEquals("t-1", runs.get(0).get("run_id"));
    assertEquals("dlo-write", runs.get(0).get("job"));
    assertEquals("succeeded", runs.get(0).get("status"));
    assertEquals(2L, runs.get(0).get("rows_in"));
    assertEquals(1L, runs.get(0).get("rows_out"));
    assertEquals(1L, runs.get(0).get("rows_quarantined"));
    assertEquals("invalid_input", runs.get(1).get("status"));
    assertEquals(2, runs.get(1).get("exit_code"));
  }

  @Test
  void helpDescribesEveryOption() {
    JobRun help = JobRun.of(new DloWriteCommand(), "--help");
    assertEquals(0, help.exitCode());
    for (String option : List.of("--tenant", "--conf", "--env", "--run-id", "--stream")) {
      assertTrue(help.out().contains(option), option + " missing from --help");
    }
  }

  @Test
  void parquetFilesAreTypedByTheDeclaredSchema(@TempDir Path dir) {
    TestConf conf = TestConf.create(dir, "pq").tenantFile("streams.yaml", """
        streams:
          p: {format: parquet, path: p, primaryKey: [id], fields: {id: long, score: double, label: string}}
        """);
    StructType schema = new StructType().add("id", DataTypes.IntegerType).add("score", DataTypes.StringType)
        .add("label", DataTypes.StringType);
    TestSpark.session().createDataFrame(List.of(RowFactory.create(1, "0.5", "x"), RowFactory.create(2, "bad", "y")), schema)
        .coalesce(1).write().parquet(conf.landing().resolve("p/batch1").toString());
    JobRun run = JobRun.of(new DloWriteCommand(), conf.jobArgs());
    assertEquals(0, run.exitCode(), run.err());
    var rows = IcebergTables.ofTestWarehouse().rowsBy("pq_dlo", "p", "id");
    assertEquals(java.util.Set.of("1"), rows.keySet());
    assertEquals(0.5, rows.get("1").get("score"));
    assertEquals(1, IcebergTables.ofTestWarehouse().rows("pq_dlo", "quarantine").size());
  }
}
