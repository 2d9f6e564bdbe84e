package io.lakecdp.insights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakecdp.common.testing.JobRun;
import io.lakecdp.common.testing.TestConf;
import io.lakecdp.common.testing.TestSpark;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Insights over a small orders DLO written directly: values checked against plain Java sums of the
 * same rows, skip on unchanged input, recompute after a change, and every validation error.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InsightsJobTest {
  static final String TENANT = "cit";
  static TestConf conf;
  static final List<Object[]> ORDERS = new ArrayList<>();

  static final String SPEND = """
      -- description: spend and orders per customer
      -- dimensions: customer
      -- measures: spend, orders, last_order
      SELECT PartyId AS customer, SUM(TotalAmount) AS spend, COUNT(*) AS orders, MAX(OrderDate) AS last_order
      FROM SalesOrder
      WHERE OrderStatus = 'completed'
      GROUP BY PartyId
      """;

  @BeforeAll
  static void setUp(@TempDir Path dir) {
    conf = TestConf.salesOrders(dir, TENANT);
    conf.tenantFile("insights/customer_spend.sql", SPEND);
    java.util.SplittableRandom r = new java.util.SplittableRandom(7);
    for (int i = 0; i < 300; i++) {
      ORDERS.add(new Object[] {"O" + i, "C" + r.nextInt(40), new Timestamp(1_700_000_000_000L + i * 3_600_000L),
          r.nextInt(10) < 8 ? "completed" : "returned", Math.round(r.nextDouble() * 20000) / 100.0});
    }
    writeOrders(ORDERS);
  }

  static void writeOrders(List<Object[]> orders) {
    SparkSession spark = TestSpark.session();
    spark.sql("CREATE NAMESPACE IF NOT EXISTS lake." + TENANT + "_dlo");
    List<Row> rows = orders.stream().map(RowFactory::create).toList();
    StructType schema = new StructType().add("order_id", DataTypes.StringType).add("customer_id", DataTypes.StringType)
        .add("order_ts", DataTypes.TimestampType).add("status", DataTypes.StringType)
        .add("total_amount", DataTypes.DoubleType);
    spark.createDataFrame(rows, schema).writeTo("lake." + TENANT + "_dlo.orders").createOrReplace();
  }

  static JobRun run(String... extra) {
    List<String> args = new ArrayList<>(List.of("--tenant", TENANT, "--conf", conf.confDir().toString()));
    args.addAll(List.of(extra));
    return JobRun.of(new InsightsCommand(), args.toArray(new String[0]));
  }

  @Test
  @Order(1)
  void insightIsMaterializedWithTheValuesOfItsQuery() {
    JobRun run = run();
    assertEquals(0, run.exitCode(), run.err());
    Map<String, double[]> expected = new HashMap<>();
    for (Object[] o : ORDERS) {
      if (o[3].equals("completed")) {
        double[] v = expected.computeIfAbsent((String) o[1], k -> new double[2]);
        v[0] += (Double) o[4];
        v[1]++;
      }
    }
    List<Row> actual = TestSpark.session().table("lake." + TENANT + "_cio.customer_spend").collectAsList();
    assertEquals(expected.size(), actual.size());
    for (Row row : actual) {
      double[] v = expected.get(row.getString(0));
      assertEquals(v[0], row.getDouble(1), 1e-6, row.toString());
      assertEquals((long) v[1], row.getLong(2), row.toString());
    }
    assertEquals("computed", run.summary().at("/details/insights/customer_spend/status").asText());
    assertEquals(expected.size(), run.summary().at("/details/insights/customer_spend/rows").asLong());
  }

  @Test
  @Order(2)
  void unchangedInputsAreSkippedAndAChangeRecomputes() {
    JobRun again = run();
    assertEquals(0, again.exitCode(), again.err());
    assertTrue(again.summary().at("/details/insights/customer_spend/status").asText().startsWith("skipped"));
    assertEquals(1, again.summary().at("/details/skipped").asInt());

    List<Object[]> more = new ArrayList<>(ORDERS);
    more.add(new Object[] {"O-new", "C-new", new Timestamp(1_800_000_000_000L), "completed", 12.5});
    writeOrders(more);
    JobRun changed = run();
    assertEquals(0, changed.exitCode(), changed.err());
    assertEquals("computed", changed.summary().at("/details/insights/customer_spend/status").asText());
    Row added = TestSpark.session().table("lake." + TENANT + "_cio.customer_spend").filter("customer = 'C-new'").first();
    assertEquals(12.5, added.getDouble(1), 1e-9);
    writeOrders(ORDERS);
  }

  @Test
  @Order(3)
  void badInsightsStopTheJobBeforeAnythingIsWritten() {
    String[][] cases = {
        {"-- dimensions: customer\n-- measures: spend\nSELECT PartyId AS customer, SUM(TotalAmount) AS spend FROM Orderz GROUP BY PartyId",
            "Orderz"},
        {"-- dimensions: customer\n-- measures: spend\nSELECT PartyId AS customer, SUM(Amount) AS spend FROM SalesOrder GROUP BY PartyId",
            "Amount"},
        {"-- dimensions: customer\n-- measures: spend\nSELECT PartyId AS customer, TotalAmount AS spend FROM SalesOrder GROUP BY PartyId, TotalAmount",
            "measures: 'spend' is not an aggregate"},
        {"-- dimensions: customer, status\n-- measures: spend\nSELECT PartyId AS customer, MAX(OrderStatus) AS status, SUM(TotalAmount) AS spend FROM SalesOrder GROUP BY PartyId",
            "dimensions: 'status' is not in the GROUP BY"},
        {"-- dimensions: customer\n-- measures: spend\nSELECT PartyId AS customer, SUM(TotalAmount) AS spend, COUNT(*) AS n FROM SalesOrder GROUP BY PartyId",
            "column 'n' is neither a declared dimension nor a measure"},
        {"-- dimensions: customer\n-- measures: spend\nSELECT PartyId AS customer, TotalAmount AS spend FROM SalesOrder",
            "an insight must aggregate"},
        {"SELECT PartyId AS customer, SUM(TotalAmount) AS spend FROM SalesOrder GROUP BY PartyId",
            "missing header line '-- dimensions"},
        // The tenant SQL sandbox: another tenant's table, a local file, a JVM call.
        {"-- dimensions: name\n-- measures: total\nSELECT name, SUM(n) AS total FROM lake.other_dlo.c GROUP BY name",
            "reads 'lake.other_dlo.c', which is not an object of this tenant's model"},
        {"-- dimensions: line\n-- measures: c\nSELECT value AS line, COUNT(*) AS c FROM text.`/etc/hostname` GROUP BY value",
            "reads 'text./etc/hostname'"},
        {"-- dimensions: customer\n-- measures: n\nSELECT reflect('java.lang.System', 'getenv', 'HOME') AS customer, "
            + "COUNT(*) AS n FROM SalesOrder GROUP BY 1", "calls 'reflect'"},
    };
    TestSpark.session().sql("CREATE NAMESPACE IF NOT EXISTS lake.other_dlo");
    TestSpark.session().sql("CREATE TABLE IF NOT EXISTS lake.other_dlo.c (name STRING, n BIGINT) USING iceberg");
    TestSpark.session().sql("INSERT INTO lake.other_dlo.c VALUES ('another tenant''s customer', 1)");
    for (String[] c : cases) {
      conf.tenantFile("insights/zz_bad.sql", c[0]);
      JobRun run = run();
      assertEquals(2, run.exitCode(), c[0] + "\n" + run.err());
      assertTrue(run.err().contains("zz_bad.sql"), run.err());
      assertTrue(run.err().contains(c[1]), "expected '" + c[1] + "' in: " + run.err());
      assertFalse(TestSpark.session().catalog().tableExists("lake." + TENANT + "_cio.zz_bad"));
    }
    conf.tenantFile("insights/zz_bad.sql", SPEND);
    JobRun unknown = run("--insight", "nope");
    assertEquals(2, unknown.exitCode());
    assertTrue(unknown.err().contains("no insight 'nope'"), unknown.err());
  }
}
