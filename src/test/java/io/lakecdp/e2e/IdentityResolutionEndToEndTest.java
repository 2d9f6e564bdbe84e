package io.lakecdp.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lakecdp.common.testing.JobRun;
import io.lakecdp.common.testing.TestSpark;
import io.lakecdp.demo.DemoDataGenerator;
import io.lakecdp.dlowrite.DloWriteCommand;
import io.lakecdp.identity.Evaluation;
import io.lakecdp.identity.IdentityResolutionCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Identity resolution of the demo tenant through its command line: quality against the generator's
 * ground truth, a skipped rerun on unchanged input, and unified ids that survive a change.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IdentityResolutionEndToEndTest {
  static Path conf;
  static Path landing;
  static final String TENANT = "irdemo";

  @BeforeAll
  static void ingest(@TempDir Path dir) {
    conf = dir.resolve("conf");
    landing = dir.resolve("landing");
    new DemoDataGenerator(5, 0.0).generate(800, landing, 100_000);
    DemoTenant.install(conf, TENANT, TestSpark.warehouse(), landing);
    JobRun load = JobRun.of(new DloWriteCommand(), "--tenant", TENANT, "--conf", conf.toString());
    assertEquals(0, load.exitCode(), load.err());
  }

  private static JobRun resolve() {
    return JobRun.of(new IdentityResolutionCommand(), "--tenant", TENANT, "--conf", conf.toString());
  }

  private static Dataset<Row> link() {
    return TestSpark.session().table("lake." + TENANT + "_unified.unified_link_individual");
  }

  @Test
  @Order(1)
  void unifiedProfilesMatchTheGroundTruth() {
    JobRun run = resolve();
    assertEquals(0, run.exitCode(), run.err());
    SparkSession spark = TestSpark.session();
    Dataset<Row> truth = spark.read().option("header", "true").csv(landing.resolve("_truth").toString() + "/source_records_*.csv")
        .select(functions.concat(functions.when(functions.col("source").equalTo("crm"), "crm_contacts:")
                .when(functions.col("source").equalTo("web"), "web_signups:").otherwise("pos_customers:"),
            functions.col("record_id")).as("record_id"), functions.col("person_id").as("truth"));
    Dataset<Row> assigned = link().select(functions.col("record_id"), functions.col("unified_id").as("cluster_id"))
        .join(truth, "record_id");
    assertEquals(link().count(), assigned.count(), "every linked record is in the ground truth");
    Map<String, Double> m = Evaluation.measure(assigned);
    System.err.println("demo tenant identity resolution quality: " + m);
    assertTrue(m.get("precision") >= 0.97, m.toString());
    assertTrue(m.get("recall") >= 0.85, m.toString());

    JsonNode d = run.summary().get("details");
    assertEquals(d.get("source_profiles").asLong(), link().count());
    assertEquals(d.get("unified_profiles").asLong(), link().select("unified_id").distinct().count());
    long unified = spark.table("lake." + TENANT + "_unified.unified_individual").count();
    assertEquals(d.get("unified_profiles").asLong(), unified);
    Row sample = spark.table("lake." + TENANT + "_unified.unified_individual")
        .filter("source_records > 1 AND first_name IS NOT NULL").first();
    assertTrue(sample.getAs("first_name_source").toString().contains(":"), "every value names its source record");
    assertTrue(spark.table("lake." + TENANT + "_unified.match_explanations").count() > 0);
  }

  @Test
  @Order(2)
  void unchangedInputIsSkipped() {
    JobRun run = resolve();
    assertEquals(0, run.exitCode(), run.err());
    assertEquals("inputs unchanged since the last successful run", run.summary().at("/details/skipped").asText());
  }

  @Test
  @Order(3)
  void unifiedIdsSurviveAChangedRecord() throws Exception {
    Map<String, String> before = ids();
    Path file = landing.resolve("crm/contacts/contacts_0001.csv");
    String[] lines = Files.readString(file).split("\n");
    String changed = lines[1].replaceFirst(",(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d),", ",2026-01-01 00:00:00,");
    Files.writeString(landing.resolve("crm/contacts/contacts_9999.csv"), lines[0] + "\n" + changed + "\n");
    assertEquals(0, JobRun.of(new DloWriteCommand(), "--tenant", TENANT, "--conf", conf.toString()).exitCode());
    JobRun run = resolve();
    assertEquals(0, run.exitCode(), run.err());
    Map<String, String> after = ids();
    long same = before.entrySet().stream().filter(e -> e.getValue().equals(after.get(e.getKey()))).count();
    assertEquals(before.size(), same, "no unified id may change when one record is updated without a new match");
    assertEquals(before.size(), run.summary().at("/details/unified_ids_kept_from_previous_run").asLong());
  }

  private static Map<String, String> ids() {
    Map<String, String> m = new java.util.HashMap<>();
    link().collectAsList().forEach(r -> m.put(r.getString(0), r.getString(1)));
    return m;
  }
}
