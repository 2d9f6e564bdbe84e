package io.lakecdp.crossjob;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakecdp.common.testing.IcebergTables;
import io.lakecdp.common.testing.JobRun;
import io.lakecdp.common.testing.TestConf;
import io.lakecdp.dlowrite.DloWriteCommand;
import io.lakecdp.dlowrite.TransformCommand;
import io.lakecdp.ingeststream.IngestStreamCommand;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batch and streaming data transforms: materialized as DLOs that mappings use, skipped when nothing changed, applied
 * per micro-batch by ingest-stream, and refused (exit 2 naming the file) when they reach outside the tenant's model.
 */
class TransformTest {
  static final String STREAMS = """
      streams:
        orders: {format: csv, path: orders, primaryKey: [order_id], fields: {order_id: string,
            customer_id: string, status: string, amount: "decimal(10,2)"}}
        signups: {format: json, path: signups, primaryKey: [user_id], fields: {user_id: string,
            full_name: string}}
      """;
  static final String CUSTOMER_ORDERS = """
      -- description: orders per customer
      -- primaryKey: customer_id
      SELECT customer_id, COUNT(*) AS order_count,
             SUM(CASE WHEN status = 'completed' THEN amount ELSE 0 END) AS spend
      FROM orders GROUP BY customer_id
      """;
  static final String SIGNUP_NAMES = """
      -- streaming: true
      -- stream: signups
      -- primaryKey: user_id
      SELECT user_id, name_part(full_name, 'first') AS first_name, name_part(full_name, 'last') AS last_name
      FROM signups
      """;
  static final String MAPPINGS = """
      mappings:
        - dlo: signup_names
          dmo: Individual
          fields: {Id: user_id, FirstName: first_name, LastName: last_name}
      """;

  @Test
  void transformsMaterializeSkipWhenUnchangedAndFollowTheirInputs(@TempDir Path dir) {
    TestConf conf = TestConf.create(dir, "xform").tenantFile("streams.yaml", STREAMS)
        .tenantFile("transforms/customer_orders.sql", CUSTOMER_ORDERS)
        .tenantFile("transforms/signup_names.sql", SIGNUP_NAMES).tenantFile("mappings.yaml", MAPPINGS);
    conf.landingFile("orders/o1.csv", "order_id,customer_id,status,amount\n1,c1,completed,10.50\n2,c1,cancelled,3\n"
        + "3,c2,completed,7\n");
    conf.landingFile("signups/s1.jsonl", "{\"user_id\":\"u1\",\"full_name\":\"Lee, Ann\"}\n");
    assertEquals(0, JobRun.of(new DloWriteCommand(), conf.jobArgs()).exitCode());

    JobRun first = JobRun.of(new TransformCommand(), conf.jobArgs("--run-id", "t1"));
    assertEquals(0, first.exitCode(), first.err());
    assertEquals(2, first.summary().at("/details/computed").asLong());
    IcebergTables lake = IcebergTables.ofTestWarehouse();
    Map<String, Map<String, Object>> orders = lake.rowsBy("xform_dlo", "customer_orders", "customer_id");
    assertEquals(2L, orders.get("c1").get("order_count"));
    assertEquals(0, new BigDecimal("10.50").compareTo((BigDecimal) orders.get("c1").get("spend")));
    assertEquals("transform:customer_orders", orders.get("c1").get("_source_file"));
    assertEquals("Ann", lake.rowsBy("xform_dlo", "signup_names", "user_id").get("u1").get("first_name"));
    // the transform's output is a DLO that mappings use
    io.lakecdp.common.config.TenantConfig tenant = io.lakecdp.common.config.TenantConfig.load(conf.confDir(), "xform",
        io.lakecdp.common.config.EnvConfig.load(conf.confDir(), "local"));
    List<org.apache.spark.sql.Row> individuals = new io.lakecdp.common.model.DataModel(
        io.lakecdp.common.testing.TestSpark.session(), tenant, new io.lakecdp.common.lake.TenantTables("lake", "xform"))
        .dmo("Individual").collectAsList();
    assertEquals(1, individuals.size());
    assertEquals("Lee", individuals.get(0).getAs("LastName"));

    JobRun again = JobRun.of(new TransformCommand(), conf.jobArgs("--run-id", "t2"));
    assertEquals(0, again.exitCode(), again.err());
    assertEquals(io.lakecdp.common.job.JobResult.INPUTS_UNCHANGED, again.summary().get("skipped").asText(), again.out());
    int snapshots = lake.snapshotCount("xform_dlo", "customer_orders");

    conf.landingFile("orders/o2.csv", "order_id,customer_id,status,amount\n4,c2,completed,5\n");
    assertEquals(0, JobRun.of(new DloWriteCommand(), conf.jobArgs()).exitCode());
    JobRun third = JobRun.of(new TransformCommand(), conf.jobArgs("--run-id", "t3"));
    assertEquals(0, third.exitCode(), third.err());
    assertEquals("computed", third.summary().at("/details/transforms/customer_orders/status").asText());
    assertTrue(third.summary().at("/details/transforms/signup_names/status").asText().startsWith("skipped"));
    assertEquals(snapshots + 1, lake.snapshotCount("xform_dlo", "customer_orders"));
    assertEquals(2L, lake.rowsBy("xform_dlo", "customer_orders", "customer_id").get("c2").get("order_count"));

    // streaming: each micro-batch of signups is transformed and upserted into signup_names
    conf.landingFile("signups/s2.jsonl", "{\"user_id\":\"u2\",\"full_name\":\"Mr. Jan van der Berg\"}\n"
        + "{\"user_id\":\"u1\",\"full_name\":\"Ann Smith-Lee\"}\n");
    JobRun stream = JobRun.of(new IngestStreamCommand(), conf.jobArgs("--run-id", "s1"));
    assertEquals(0, stream.exitCode(), stream.err());
    Map<String, Map<String, Object>> names = lake.rowsBy("xform_dlo", "signup_names", "user_id");
    assertEquals("van der Berg", names.get("u2").get("last_name"));
    assertEquals("Smith-Lee", names.get("u1").get("last_name"), "the newer version of u1 replaced the old row");
    assertEquals(2, names.size());
  }

  @Test
  void transformsThatReachOutsideTheTenantsModelAreRefusedNamingTheFile(@TempDir Path dir) {
    Map<String, String> refused = Map.of(
        "SELECT * FROM lake.other_dlo.orders", "lake.other_dlo.orders",
        "SELECT * FROM csv.`/etc/passwd`", "/etc/passwd",
        "SELECT customer_id, count(*) AS n FROM orders GROUP BY customer_id; DROP TABLE orders", "not a single query",
        "SELECT customer_idd, count(*) AS n FROM orders GROUP BY customer_idd", "customer_idd",
        "SELECT customer_id, input_file_name() AS f FROM orders", "input_file_name");
    int i = 0;
    for (Map.Entry<String, String> e : refused.entrySet()) {
      String tenant = "xbad" + i++;
      TestConf conf = TestConf.create(dir.resolve(tenant), tenant).tenantFile("streams.yaml", STREAMS)
          .tenantFile("transforms/bad.sql", "-- primaryKey: customer_id\n" + e.getKey() + "\n");
      JobRun run = JobRun.of(new TransformCommand(), conf.jobArgs());
      assertEquals(2, run.exitCode(), e.getKey() + ": " + run.err());
      assertTrue(run.err().contains("transforms/bad.sql") && run.err().contains(e.getValue()),
          e.getKey() + ": " + run.err());
      assertFalse(IcebergTables.ofTestWarehouse().exists(tenant + "_dlo", "bad"));
    }
    TestConf mapped = TestConf.create(dir.resolve("xmap"), "xmap").tenantFile("streams.yaml", STREAMS)
        .tenantFile("transforms/signup_names.sql", SIGNUP_NAMES)
        .tenantFile("mappings.yaml", MAPPINGS.replace("LastName: last_name", "LastName: surname"));
    JobRun run = JobRun.of(new TransformCommand(), mapped.jobArgs());
    assertEquals(2, run.exitCode(), run.err());
    assertTrue(run.err().contains("mappings.yaml") && run.err().contains("surname"), run.err());
  }
}
