package io.lakecdp.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lakecdp.common.testing.JobRun;
import io.lakecdp.common.testing.TestSpark;
import io.lakecdp.demo.DemoDataGenerator;
import io.lakecdp.dlowrite.DloWriteCommand;
import io.lakecdp.identity.DemoGroundTruth;
import io.lakecdp.identity.IdentityResolutionCommand;
import io.lakecdp.insights.InsightsCommand;
import io.lakecdp.segmentation.SegmentationCommand;
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
    String truthDir = landing.resolve("_truth").toString();
    Dataset<Row> clusters = link().select(functions.col("record_id"), functions.col("unified_id").as("cluster_id"));
    assertEquals(link().count(), clusters.join(DemoGroundTruth.records(spark, truthDir), "record_id").count(),
        "every linked record is in the ground truth");
    Map<String, Double> m = DemoGroundTruth.quality(spark, truthDir, clusters);
    System.err.println("demo tenant identity resolution quality: " + m);
    // conf/identity/person.yaml unchanged (learned weights): the quality floor on the demo tenant.
    assertTrue(m.get("precision") >= 0.99, m.toString());
    assertTrue(m.get("f1") >= 0.99, m.toString());
    // Look-alikes the generator planted (same household, twins, namesakes, shared throwaway e-mails):
    // every kind is present and none may be merged.
    Map<String, long[]> negatives = DemoGroundTruth.hardNegatives(spark, truthDir, clusters);
    DemoGroundTruth.wrongEdges(spark, truthDir, spark.table("lake." + TENANT + "_unified.match_explanations")).limit(10)
        .collectAsList().forEach(r -> System.err.println("wrong edge: " + r));
    assertEquals(java.util.Set.of("household", "twin", "namesake", "placeholder_email"), negatives.keySet());
    negatives.forEach((kind, counts) -> {
      assertTrue(counts[0] > 0, kind);
      assertEquals(0, counts[1], counts[1] + " of " + counts[0] + " " + kind + " pairs merged");
    });

    JsonNode d = run.summary().get("details");
    assertEquals(d.get("source_profiles").asLong(), link().count());
    assertEquals(d.get("unified_profiles").asLong(), link().select("unified_id").distinct().count());
    long unified = spark.table("lake." + TENANT + "_unified.unified_individual").count();
    assertEquals(d.get("unified_profiles").asLong(), unified);
    Row sample = spark.table("lake." + TENANT + "_unified.unified_individual")
        .filter("source_records > 1 AND first_name IS NOT NULL").first();
    assertTrue(sample.getAs("first_name_source").toString().contains(":"), "every value names its source record");
    assertTrue(spark.table("lake." + TENANT + "_unified.match_explanations").count() > 0);
    // Every contact point of the DMOs is kept, not only the one each record was matched on.
    for (String[] cp : new String[][] {{"email", "ContactPointEmail"}, {"phone", "ContactPointPhone"},
        {"address", "ContactPointAddress"}}) {
      Dataset<Row> table = spark.table("lake." + TENANT + "_unified.unified_contact_point_" + cp[0]);
      assertTrue(table.count() > 0, cp[0]);
      Dataset<Row> ids = link().select("unified_id").distinct();
      assertEquals(0, table.join(ids, table.col("unified_id").equalTo(ids.col("unified_id")), "left_anti").count(),
          cp[0] + " contact points all belong to a unified individual");
    }
    assertTrue(spark.table("lake." + TENANT + "_unified.unified_contact_point_address").filter("value IS NULL").isEmpty());
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

  @Test
  @Order(4)
  void insightsAndSegmentsOfTheDemoTenant() {
    SparkSession spark = TestSpark.session();
    JobRun insights = JobRun.of(new InsightsCommand(), "--tenant", TENANT, "--conf", conf.toString());
    assertEquals(0, insights.exitCode(), insights.err());
    // customer_value against the same figures written by hand over the DLO and link tables.
    Row expected = spark.sql("SELECT COUNT(DISTINCT l.unified_id), ROUND(SUM(o.total_amount), 2) FROM lake." + TENANT
        + "_dlo.orders o JOIN lake." + TENANT + "_unified.unified_link_individual l ON l.individual_id = o.customer_id"
        + " WHERE o.status = 'completed'").first();
    Row actual = spark.sql("SELECT COUNT(*), ROUND(SUM(lifetime_spend), 2) FROM lake." + TENANT + "_cio.customer_value")
        .first();
    assertEquals(expected.getLong(0), actual.getLong(0));
    assertEquals(0, expected.getDecimal(1).compareTo(new java.math.BigDecimal(actual.get(1).toString())),
        expected + " vs " + actual);
    assertTrue(spark.table("lake." + TENANT + "_cio.email_engagement").count() > 0);

    JobRun publish = JobRun.of(new SegmentationCommand.PublishCommand(), "--tenant", TENANT, "--conf", conf.toString(),
        "--as-of", "2025-12-01");
    assertEquals(0, publish.exitCode(), publish.err());
    Dataset<Row> latest = spark.table("lake." + TENANT + "_seg.membership_latest");
    for (String segment : java.util.List.of("loyal_buyers", "high_value", "lapsed_openers", "boston_area_loyal")) {
      long n = latest.filter(functions.col("segment_id").equalTo(segment)).count();
      assertEquals(publish.summary().at("/details/segments/" + segment + "/population").asLong(), n, segment);
    }
    assertTrue(latest.filter("segment_id = 'high_value'").count() > 0);
    assertTrue(latest.filter("segment_id = 'loyal_buyers'").count() > 0);
    // The waterfall: nobody is in both high_value and loyal_buyers.
    Dataset<Row> high = latest.filter("segment_id = 'high_value'").select("member_id");
    Dataset<Row> loyal = latest.filter("segment_id = 'loyal_buyers'").select("member_id");
    assertEquals(0, high.intersect(loyal).count());
    // high_value is exactly the insight's filter.
    assertEquals(spark.table("lake." + TENANT + "_cio.customer_value").filter("lifetime_spend > 400").count(),
        high.count());
  }

  @Test
  @Order(5)
  void activationOfTheDemoTenant(@TempDir Path exports) throws Exception {
    SparkSession spark = TestSpark.session();
    Path activations = conf.resolve("tenants").resolve(TENANT).resolve("activations");
    try (var files = Files.list(activations)) {
      for (Path f : files.toList()) {
        Files.writeString(f, Files.readString(f).replace("${LAKECDP_EXPORTS:-file:///tmp/lakecdp-exports}",
            exports.toUri().toString()));
      }
    }
    JobRun run = JobRun.of(new io.lakecdp.activation.ActivationCommand(), "--tenant", TENANT, "--conf", conf.toString(),
        "--run-id", "act-1");
    assertEquals(0, run.exitCode(), run.err());
    for (String activation : java.util.List.of("loyal_buyers_email", "high_value_ads")) {
      JsonNode details = run.summary().at("/details/" + activation);
      JsonNode manifest = io.lakecdp.common.job.Json.mapper().readTree(
          Files.readString(exports.resolve("demo").resolve(activation).resolve("act-1").resolve("_manifest.json")));
      String segment = manifest.get("segment").asText();
      long members = spark.table("lake." + TENANT + "_seg.membership_latest")
          .filter(functions.col("segment_id").equalTo(segment).and(functions.not(functions.col("holdout")))).count();
      assertTrue(members > 0, segment);
      assertEquals(members, manifest.get("rows").asLong() + details.get("skipped_consent").asLong()
          + details.get("skipped_no_contact_point").asLong(), activation + ": every member sent or counted as skipped");
      long filed = 0;
      for (JsonNode f : manifest.get("files")) {
        assertTrue(Files.size(exports.resolve("demo").resolve(activation).resolve("act-1").resolve(f.get("path").asText()))
            == f.get("bytes").asLong(), f.toString());
        filed += f.get("rows").asLong();
      }
      assertEquals(manifest.get("rows").asLong(), filed);
    }
    assertTrue(run.summary().at("/details/loyal_buyers_email/skipped_consent").asLong() > 0,
        "web sign-ups without marketing opt-in are left out");
  }

  @Test
  @Order(6)
  void htmlReportRendersInAHeadlessBrowser(@TempDir Path dir) throws Exception {
    Path page = dir.resolve("report.html");
    JobRun run = JobRun.of(new io.lakecdp.inspect.ReportCommand(), "--tenant", TENANT, "--conf", conf.toString(),
        "--out", page.toString());
    assertEquals(0, run.exitCode(), run.err());
    String html = Files.readString(page);
    for (String expected : java.util.List.of("Last run of each stage", "identity-resolution", "consolidation rate",
        "Learned match weights", "Weight waterfall of", "same_local_part", "loyal_buyers", "loyal_buyers_email", "<svg")) {
      assertTrue(html.contains(expected), "report lacks " + expected);
    }
    assertTrue(!html.contains("<script") && !html.contains("http://") && !html.contains("https://"),
        "the page is self-contained");
    String chromium = java.util.stream.Stream.of("chromium", "chromium-browser", "google-chrome")
        .filter(c -> java.util.stream.Stream.of(System.getenv("PATH").split(":"))
            .anyMatch(d -> Files.isExecutable(Path.of(d, c))))
        .findFirst().orElseThrow(() -> new AssertionError("no chromium on PATH: run scripts/test-tools.sh (make test does)"));
    Path png = dir.resolve("report.png");
    Process p = new ProcessBuilder(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
        "--window-size=1100,1600", "--screenshot=" + png, page.toUri().toString()).redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS) && Files.exists(png), log);
    java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(png.toFile());
    int bars = 0;
    java.util.Set<Integer> colors = new java.util.HashSet<>();
    for (int x = 0; x < image.getWidth(); x++) {
      for (int y = 0; y < image.getHeight(); y++) {
        int rgb = image.getRGB(x, y) & 0xFFFFFF;
        colors.add(rgb);
        if (rgb == 0x3b6ea5) {
          bars++;
        }
      }
    }
    assertTrue(colors.size() > 20, "the screenshot is not blank (" + colors.size() + " colours)");
    assertTrue(bars > 2000, "the SVG bar charts are drawn (" + bars + " pixels of the bar colour)");
    Process dom = new ProcessBuilder(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
        page.toUri().toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String rendered = new String(dom.getInputStream().readAllBytes());
    assertTrue(dom.waitFor(120, java.util.concurrent.TimeUnit.SECONDS));
    assertTrue(rendered.contains("consolidation rate") && rendered.contains("Population by publish"), rendered);
  }

  private static Map<String, String> ids() {
    Map<String, String> m = new java.util.HashMap<>();
    link().collectAsList().forEach(r -> m.put(r.getString(0), r.getString(1)));
    return m;
  }
}
