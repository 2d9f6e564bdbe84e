package io.lakecdp.dlowrite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakecdp.common.testing.IcebergTables;
import io.lakecdp.common.testing.JobRun;
import io.lakecdp.common.testing.TestConf;
import java.nio.file.Path;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** New source columns follow the stream's setting; incompatible type changes stop before writing. */
class SchemaEvolutionTest {
  private static String streams(String evolution, String amountType) {
    return """
        streams:
          members: {format: csv, path: members, primaryKey: [id], schemaEvolution: %s, fields: {id: string, amount: %s}}
        """.formatted(evolution, amountType);
  }

  /** A tenant whose members stream (amount an int) has loaded its first file. */
  private static TestConf loadedFirstFile(Path dir, String tenant, String evolution) {
    TestConf conf = TestConf.create(dir, tenant).tenantFile("streams.yaml", streams(evolution, "int"));
    conf.landingFile("members/1.csv", "id,amount\nm1,5\n");
    assertEquals(0, JobRun.of(new DloWriteCommand(), conf.jobArgs()).exitCode());
    return conf;
  }

  @Test
  void newColumnIsAddedAsStringWhenAllowed(@TempDir Path dir) {
    TestConf conf = loadedFirstFile(dir, "evoadd", "add_columns");
    conf.landingFile("members/2.csv", "id,amount,Loyalty Tier\nm2,7,gold\n");
    JobRun run = JobRun.of(new DloWriteCommand(), conf.jobArgs());
    assertEquals(0, run.exitCode(), run.err());
    IcebergTables lake = IcebergTables.ofTestWarehouse();
    assertEquals(Types.StringType.get(), lake.table("evoadd_dlo", "members").schema().findField("loyalty_tier").type());
    var rows = lake.rowsBy("evoadd_dlo", "members", "id");
    assertEquals("gold", rows.get("m2").get("loyalty_tier"));
    assertEquals(null, rows.get("m1").get("loyalty_tier"));
    assertTrue(run.summary().at("/details/streams/members/schema_changes").toString().contains("added column loyalty_tier"));
  }

  @Test
  void newJsonKeyIsAddedAsAColumn(@TempDir Path dir) {
    TestConf conf = TestConf.create(dir, "evojson").tenantFile("streams.yaml",
        "streams:\n  ev:\n    format: json\n    path: ev\n    primaryKey: [id]\n    fields: {id: string}\n");
    conf.landingFile("ev/1.jsonl", "{\"id\":\"a\"}\n{\"id\":\"b\",\"utm\":{\"src\":\"mail\"},\"Score\":3}\n");
    JobRun run = JobRun.of(new DloWriteCommand(), conf.jobArgs());
    assertEquals(0, run.exitCode(), run.err());
    var rows = IcebergTables.ofTestWarehouse().rowsBy("evojson_dlo", "ev", "id");
    assertEquals("{\"src\":\"mail\"}", rows.get("b").get("utm"));
    assertEquals("3", rows.get("b").get("score"));
    assertEquals(null, rows.get("a").get("score"));
  }

  @Test
  void newColumnStopsTheStreamWhenEvolutionIsFail(@TempDir Path dir) {
    TestConf conf = loadedFirstFile(dir, "evofail", "fail");
    IcebergTables lake = IcebergTables.ofTestWarehouse();
    long before = lake.table("evofail_dlo", "members").currentSnapshot().snapshotId();
    conf.landingFile("members/2.csv", "id,amount,tier\nm2,7,gold\n");
    JobRun run = JobRun.of(new DloWriteCommand(), conf.jobArgs());
    assertEquals(2, run.exitCode());
    assertTrue(run.err().contains("source has undeclared column(s) [tier] and schemaEvolution is 'fail'"), run.err());
    assertEquals(before, lake.table("evofail_dlo", "members").currentSnapshot().snapshotId());
  }

  @Test
  void incompatibleTypeChangeIsRefusedAndWidenningIsApplied(@TempDir Path dir) {
    TestConf conf = loadedFirstFile(dir, "evotype", "add_columns");
    IcebergTables lake = IcebergTables.ofTestWarehouse();
    long before = lake.table("evotype_dlo", "members").currentSnapshot().snapshotId();

    conf.tenantFile("streams.yaml", streams("add_columns", "boolean"));
    conf.landingFile("members/2.csv", "id,amount\nm2,true\n");
    JobRun refused = JobRun.of(new DloWriteCommand(), conf.jobArgs());
    assertEquals(2, refused.exitCode());
    assertTrue(refused.err().contains("field amount is int in table lake.evotype_dlo.members but the stream now declares boolean"),
        refused.err());
    assertEquals(before, lake.table("evotype_dlo", "members").currentSnapshot().snapshotId());
    assertEquals(1, lake.rows("evotype_dlo", "members").size());

    conf.tenantFile("streams.yaml", streams("add_columns", "long"));
    conf.landingFile("members/2.csv", "id,amount\nm2,9000000000\n");
    JobRun widened = JobRun.of(new DloWriteCommand(), conf.jobArgs());
    assertEquals(0, widened.exitCode(), widened.err());
    assertEquals(Types.LongType.get(), lake.table("evotype_dlo", "members").schema().findField("amount").type());
    assertEquals(9_000_000_000L, lake.rowsBy("evotype_dlo", "members", "id").get("m2").get("amount"));
  }
}
