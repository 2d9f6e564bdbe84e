package io.lakecdp.common.lake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakecdp.common.testing.TestSpark;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

class LakeTest {
  @Test
  void commitsCarryTheRunIdInTheSnapshotSummary() {
    SparkSession spark = TestSpark.session();
    Lake lake = new Lake(spark);
    TenantTables t = new TenantTables("lake", "laketest");
    lake.ensureNamespace(t.dloNamespace());
    spark.sql("CREATE TABLE " + t.dlo("s") + " (id int) USING iceberg");
    lake.commitWith(Map.of(CommitKeys.RUN_ID, "run-1"), () -> spark.sql("INSERT INTO " + t.dlo("s") + " VALUES (1)"));
    spark.sql("INSERT INTO " + t.dlo("s") + " VALUES (2)");

    assertTrue(lake.hasCommit(t.dlo("s"), CommitKeys.RUN_ID, "run-1"));
    assertFalse(lake.hasCommit(t.dlo("s"), CommitKeys.RUN_ID, "run-2"));
    HadoopCatalog independent = new HadoopCatalog(new Configuration(), TestSpark.warehouse().toString());
    Table table = independent.loadTable(TableIdentifier.of("laketest_dlo", "s"));
    assertEquals("run-1", table.snapshot(table.currentSnapshot().parentId()).summary().get(CommitKeys.RUN_ID));
    assertEquals(null, table.currentSnapshot().summary().get(CommitKeys.RUN_ID));
  }
}
