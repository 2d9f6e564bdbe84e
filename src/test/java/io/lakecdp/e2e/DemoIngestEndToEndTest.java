package io.lakecdp.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lakecdp.common.config.EnvConfig;
import io.lakecdp.common.config.TenantConfig;
import io.lakecdp.common.lake.TenantTables;
import io.lakecdp.common.model.DataModel;
import io.lakecdp.common.testing.DataFrames;
import io.lakecdp.common.testing.IcebergTables;
import io.lakecdp.common.testing.JobRun;
import io.lakecdp.common.testing.TestSpark;
import io.lakecdp.demo.DemoDataGenerator;
import io.lakecdp.dlowrite.DloWriteCommand;
import io.lakecdp.inspect.InspectCommand;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo tenant end to end: generated landing files, ingested by dlo-write through its command
 * line, checked with counts computed here straight from the files and read back through Iceberg's own
 * reader.
 */
class DemoIngestEndToEndTest {
  static Path landing;
  static Path conf;
  static DemoDataGenerator.Summary generated;
  static JobRun run;
  static final IcebergTables LAKE = IcebergTables.ofTestWarehouse();

  @BeforeAll
  static void ingest(@TempDir Path dir) {
    landing = dir.resolve("landing");
    conf = dir.resolve("conf");
    generated = new DemoDataGenerator(7, 0.01).generate(400, landing, 500);
    DemoTenant.install(conf, "demo", TestSpark.warehouse(), landing);
    run = JobRun.of(new DloWriteCommand(), "--tenant", "demo", "--conf", conf.toString(), "--run-id", "e2e-1");
  }

  @Test
  void everyStreamLoadsItsValidRecords() throws IOException {
    assertEquals(0, run.exitCode(), run.err());
    assertEquals(count("crm/contacts", ',', r -> !r.get("contact_id").isEmpty()
        && r.get("birthdate").matches("\\d\\d/\\d\\d/\\d{4}") && r.get("is_deleted").equals("false")),
        rows("crm_contacts"));
    assertEquals(jsonObjects("web/signups"), rows("web_signups"));
    assertEquals(count("pos/customers", ';', r -> true), rows("pos_customers"));
    assertEquals(count("orders/orders", ',', r -> r.get("total_amount").matches("[0-9]+\\.[0-9]{2}")), rows("orders"));
    assertEquals(count("orders/lines", ',', r -> true), rows("order_lines"));
    assertEquals(jsonObjects("email/events"), rows("email_events"));
  }

  @Test
  void everyMalformedRecordIsInQuarantine() {
    assertEquals(generated.malformed(), LAKE.rows("demo_dlo", "quarantine").size());
    assertEquals(generated.malformed(), run.summary().get("rows_quarantined").asLong());
    assertTrue(generated.malformed() > 0, "the generator must have written malformed records");
  }

  @Test
  void posCustomersMatchAnIndependentSparkReadOfTheFiles() {
    SparkSession spark = TestSpark.session();
    Dataset<Row> expected = spark.read().option("header", "true").option("delimiter", ";")
        .csv(landing.resolve("pos/customers").toString())
        .selectExpr("CUST_NO AS cust_no", "FNAME AS fname", "LNAME AS lname", "PHONE AS phone", "ZIP AS zip",
            "to_date(LAST_VISIT, 'dd.MM.yyyy') AS last_visit", "STORE AS store");
    Dataset<Row> actual = spark.table("lake.demo_dlo.pos_customers")
        .select("cust_no", "fname", "lname", "phone", "zip", "last_visit", "store");
    DataFrames.assertSameRows(expected, actual);
  }

  @Test
  void dmosResolveOverTheLoadedDlos() {
    SparkSession spark = TestSpark.session();
    EnvConfig env = EnvConfig.load(conf, "local");
    TenantConfig tenant = TenantConfig.load(conf, "demo", env);
    DataModel model = new DataModel(spark, tenant, new TenantTables("lake", "demo"));
    assertEquals(rows("crm_contacts") + rows("web_signups") + rows("pos_customers"), model.dmo("Individual").count());
    assertEquals(rows("orders"), model.dmo("SalesOrder").count());
    assertEquals(rows("pos_customers"), model.dmo("StoreVisit").count());
    assertEquals(rows("crm_contacts"), model.dmo("ContactPointEmail").filter("DataSourceId = 'crm'").count());

    JobRun inspect = JobRun.of(new InspectCommand(), "--tenant", "demo", "--conf", conf.toString());
    assertEquals(0, inspect.exitCode(), inspect.err());
    assertTrue(inspect.out().matches("(?s).*lake\\.demo_dlo\\.orders\\s+" + String.format("%,d", rows("orders")) + " rows.*"),
        inspect.out());
    assertTrue(inspect.out().contains("StoreVisit"), inspect.out());
  }

  private static long rows(String table) {
    return LAKE.rows("demo_dlo", table).size();
  }

  private static long count(String folder, char delimiter, Predicate<CSVRecord> valid) throws IOException {
    long n = 0;
    CSVFormat format = CSVFormat.DEFAULT.builder().setDelimiter(delimiter).setHeader().setSkipHeaderRecord(true).build();
    for (Path f : files(folder)) {
      try (Reader r = Files.newBufferedReader(f)) {
        for (CSVRecord rec : format.parse(r)) {
          if (valid.test(rec)) {
            n++;
          }
        }
      }
    }
    return n;
  }

  private static long jsonObjects(String folder) throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    long n = 0;
    for (Path f : files(folder)) {
      for (String line : Files.readAllLines(f)) {
        try {
          if (mapper.readTree(line).isObject()) {
            n++;
          }
        } catch (IOException malformed) {
          // counted by the quarantine test
        }
      }
    }
    return n;
  }

  private static List<Path> files(String folder) throws IOException {
    try (Stream<Path> s = Files.list(landing.resolve(folder))) {
      return s.sorted().toList();
    }
  }
}
