package io.lakecdp.activation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lakecdp.common.job.CrashPoints;
import io.lakecdp.common.job.Json;
import io.lakecdp.common.testing.JobRun;
import io.lakecdp.common.testing.TestConf;
import io.lakecdp.common.testing.TestSpark;
import io.lakecdp.testsupport.S3MockServer;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Activation over a small tenant written directly (unified individuals, contact points with opt-in states, a
 * link table, an insight, e-mail events, a published segment with holdout). Every expectation is computed in
 * plain Java from the same rows, and exports are read back from the target byte for byte.
 */
class ActivationTest {
  static final String TENANT = "actt";
  static final String NS = "lake." + TENANT;
  static TestConf conf;
  static Path targets;

  /** A unified individual of the test tenant. */
  record Person(String id, String first, String city, double spend) {}

  /** A contact point: kind email/phone, source, raw value, normalized value, opt-in, modified. */
  record Cp(String unifiedId, String source, String raw, String normalized, String optIn, Timestamp modified) {}

  static final Map<String, Person> PEOPLE = new TreeMap<>();
  static final List<Cp> EMAILS = new ArrayList<>();
  static final Map<String, Boolean> MEMBERS = new TreeMap<>();

  @BeforeAll
  static void setUp(@TempDir Path dir) throws Exception {
    conf = TestConf.create(dir, TENANT);
    targets = dir.resolve("targets");
    conf.tenantFile("streams.yaml", """
        streams:
          email_events: {format: json, path: events, primaryKey: [event_id], fields: {event_id: string,
              contact_id: string, event_type: string}}
        """);
    conf.tenantFile("mappings.yaml", """
        mappings:
          - dlo: email_events
            dmo: EmailEngagement
            fields: {Id: event_id, PartyId: contact_id, EngagementType: event_type}
        """);
    conf.tenantFile("segments/vip.yaml", "include: {attribute: {field: city, op: eq, value: Boston}}\n");
    conf.tenantFile("segments/nobody.yaml", "include: {attribute: {field: city, op: eq, value: Nowhere}}\n");
    conf.tenantFile("insights/customer_value.sql", """
        -- dimensions: unified_id
        -- measures: lifetime_spend
        SELECT unified_id, SUM(1) AS lifetime_spend FROM UnifiedIndividual GROUP BY unified_id
        """);
    for (int i = 0; i < 30; i++) {
      String id = String.format("U%02d", i);
      PEOPLE.put(id, new Person(id, "First" + i, i % 3 == 0 ? "Austin" : "Boston", i * 10.5));
      Timestamp old = Timestamp.valueOf("2025-01-01 00:00:00");
      Timestamp recent = Timestamp.valueOf("2025-06-01 00:00:00");
      if (i % 4 != 3) {  // a web address for most, newer than the CRM one
        EMAILS.add(new Cp(id, "web", "Web" + i + "@Example.com", "web" + i + "@example.com", null, recent));
      }
      if (i % 2 == 0) {  // a CRM address for every other member: it wins by source priority
        EMAILS.add(new Cp(id, "crm", "crm" + i + "@example.com", "crm" + i + "@example.com",
            i == 8 ? "opted_out" : "true", old));
      }
      if (i % 10 == 1) {  // two CRM addresses: the newer one wins
        EMAILS.add(new Cp(id, "crm", "old" + i + "@example.com", "old" + i + "@example.com", null, old));
        EMAILS.add(new Cp(id, "crm", "new" + i + "@example.com", "new" + i + "@example.com", null, recent));
      }
      MEMBERS.put(id, i % 7 == 6);  // holdout for a few
    }
    writeUnified(PEOPLE.values());
    writeSegment("vip", MEMBERS);
    writeSegment("nobody", Map.of());
    SparkSession spark = TestSpark.session();
    StructType events = StructType.fromDDL("event_id STRING, contact_id STRING, event_type STRING");
    spark.createDataFrame(List.of(RowFactory.create("E1", "I-U05", "unsubscribe"), RowFactory.create("E2", "I-U04", "open"),
        RowFactory.create("E3", "I-U04", "open"), RowFactory.create("E4", "I-U02", "open")), events)
        .writeTo(NS + "_dlo.email_events").createOrReplace();
  }

  @BeforeEach
  void clearActivations() throws IOException {
    Path dir = conf.tenantDir().resolve("activations");
    if (Files.isDirectory(dir)) {
      try (var s = Files.list(dir)) {
        for (Path p : s.toList()) {
          Files.delete(p);
        }
      }
    }
  }

  static void writeUnified(java.util.Collection<Person> people) throws Exception {
    SparkSession spark = TestSpark.session();
    for (String ns : List.of("_dlo", "_unified", "_cio", "_seg")) {
      spark.sql("CREATE NAMESPACE IF NOT EXISTS " + NS + ns);
    }
    spark.createDataFrame(people.stream().map(p -> RowFactory.create(p.id(), p.first(), "Last", p.city(), 1L)).toList(),
        StructType.fromDDL("unified_id STRING, first_name STRING, last_name STRING, city STRING, source_records BIGINT"))
        .writeTo(NS + "_unified.unified_individual").createOrReplace();
    spark.createDataFrame(people.stream().map(p -> RowFactory.create("crm:I-" + p.id(), p.id(), "crm", "I-" + p.id(), "crm"))
        .toList(), StructType.fromDDL("record_id STRING, unified_id STRING, data_source_object_id STRING, "
            + "individual_id STRING, source STRING"))
        .writeTo(NS + "_unified.unified_link_individual").createOrReplace();
    spark.createDataFrame(EMAILS.stream().filter(c -> people.stream().anyMatch(p -> p.id().equals(c.unifiedId())))
        .map(c -> RowFactory.create(c.unifiedId(), c.source() + ":" + c.raw(), c.normalized(), c.modified(), c.raw(), c.optIn(),
            c.source())).toList(), StructType.fromDDL("unified_id STRING, record_id STRING, value STRING, "
            + "last_modified TIMESTAMP, email_address STRING, opt_in_status STRING, source STRING"))
        .writeTo(NS + "_unified.unified_contact_point_email").createOrReplace();
    spark.createDataFrame(people.stream().map(p -> RowFactory.create(p.id(), p.spend())).toList(),
        StructType.fromDDL("unified_id STRING, lifetime_spend DOUBLE")).writeTo(NS + "_cio.customer_value").createOrReplace();
  }

  static void writeSegment(String segment, Map<String, Boolean> members) throws Exception {
    SparkSession spark = TestSpark.session();
    spark.sql("CREATE TABLE IF NOT EXISTS " + NS + "_seg.membership_latest (segment_id STRING, member_id STRING, "
        + "holdout BOOLEAN) USING iceberg");
    spark.sql("CREATE TABLE IF NOT EXISTS " + NS + "_seg.segment_runs (publish_id STRING, segment_id STRING) USING iceberg");
    spark.sql("DELETE FROM " + NS + "_seg.membership_latest WHERE segment_id = '" + segment + "'");
    List<Row> rows = members.entrySet().stream().map(e -> RowFactory.create(segment, e.getKey(), e.getValue())).toList();
    if (!rows.isEmpty()) {
      spark.createDataFrame(rows, StructType.fromDDL("segment_id STRING, member_id STRING, holdout BOOLEAN"))
          .writeTo(NS + "_seg.membership_latest").append();
    }
    spark.createDataFrame(List.of(RowFactory.create("p-" + System.nanoTime(), segment)),
        StructType.fromDDL("publish_id STRING, segment_id STRING")).writeTo(NS + "_seg.segment_runs").append();
  }

  static String target(String name) {
    return targets.resolve(name).toUri().toString();
  }

  static JobRun run(String runId, String... extra) {
    List<String> args = new ArrayList<>(List.of(conf.jobArgs("--run-id", runId)));
    args.addAll(List.of(extra));
    return JobRun.of(new ActivationCommand(), args.toArray(new String[0]));
  }

  /** The members expected to be sent: in the segment, not holdout, not opted out (U08 opted out its CRM address, U05 unsubscribed). */
  static Set<String> expectedMembers() {
    Set<String> out = new TreeSet<>();
    MEMBERS.forEach((id, holdout) -> {
      boolean optedOut = id.equals("U05") || EMAILS.stream().anyMatch(c -> c.unifiedId().equals(id) && "opted_out".equals(c.optIn()));
      boolean hasEmail = EMAILS.stream().anyMatch(c -> c.unifiedId().equals(id));
      if (!holdout && !optedOut && hasEmail && PEOPLE.containsKey(id)) {
        out.add(id);
      }
    });
    return out;
  }

  /** The e-mail each member should get: CRM first, then web; within a source the newest. */
  static String expectedEmail(String id, boolean normalized) {
    Cp best = null;
    for (Cp c : EMAILS) {
      if (!c.unifiedId().equals(id)) {
        continue;
      }
      if (best == null || rank(c) < rank(best) || (rank(c) == rank(best) && c.modified().after(best.modified()))) {
        best = c;
      }
    }
    return best == null ? null : normalized ? best.normalized() : best.raw();
  }

  static int rank(Cp c) {
    return c.source().equals("crm") ? 0 : 1;
  }

  static JsonNode manifest(Path runDir) throws IOException {
    return Json.mapper().readTree(Files.readString(runDir.resolve("_manifest.json")));
  }

  /** Rows of the export's CSV files of one kind, as maps keyed by header; checks each file's checksum and row count. */
  static List<Map<String, String>> readCsv(Path runDir, String kind) throws Exception {
    JsonNode m = manifest(runDir);
    List<Map<String, String>> rows = new ArrayList<>();
    for (JsonNode f : m.get("files")) {
      if (!f.get("kind").asText().equals(kind)) {
        continue;
      }
      byte[] bytes = Files.readAllBytes(runDir.resolve(f.get("path").asText()));
      assertEquals(f.get("bytes").asLong(), bytes.length, "bytes of " + f.get("path"));
      assertEquals(f.get("sha256").asText(), sha256(bytes), "checksum of " + f.get("path"));
      List<Map<String, String>> fileRows = parseCsv(new GZIPInputStream(new java.io.ByteArrayInputStream(bytes)));
      assertEquals(f.get("rows").asLong(), fileRows.size(), "rows of " + f.get("path"));
      rows.addAll(fileRows);
    }
    return rows;
  }

  static List<Map<String, String>> parseCsv(InputStream in) throws IOException {
    List<Map<String, String>> rows = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String header = r.readLine();
      if (header == null) {
        return rows;
      }
      String[] names = header.split(",");
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        String[] values = line.split(",", -1);
        Map<String, String> row = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
          row.put(names[i], values[i].isEmpty() ? null : values[i]);
        }
        rows.add(row);
      }
    }
    return rows;
  }

  static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  static String activation(String name, String target, String extra) {
    String yaml = "segment: vip\ntarget: " + target + "\nformat: csv\nmaxRowsPerFile: 7\n"
        + "attributes:\n  - first_name\n  - city\n  - customer_value.lifetime_spend\n"
        + "  - {name: opens, object: EmailEngagement, function: count, where: \"EngagementType = 'open'\"}\n"
        + "contactPoints:\n  email: {sources: [crm, web]}\n"
        + "consent:\n  optOutEvents: {object: EmailEngagement, where: \"EngagementType = 'unsubscribe'\"}\n" + extra;
    conf.tenantFile("activations/" + name + ".yaml", yaml);
    return yaml;
  }

  @Test
  void fullExportWithPriorityConsentHoldoutAndManifest() throws Exception {
    activation("vip_full", target("full"), "");
    JobRun r = run("full-1");
    assertEquals(0, r.exitCode(), r.err() + r.out());
    Path runDir = targets.resolve("full").resolve("full-1");
    JsonNode m = manifest(runDir);
    List<Map<String, String>> rows = readCsv(runDir, "members");
    Set<String> sent = new TreeSet<>();
    for (Map<String, String> row : rows) {
      String id = row.get("member_id");
      assertTrue(sent.add(id), "member sent twice: " + id);
      Person p = PEOPLE.get(id);
      assertEquals(p.first(), row.get("first_name"));
      assertEquals(p.city(), row.get("city"));
      assertEquals(p.spend(), Double.parseDouble(row.get("customer_value_lifetime_spend")), 1e-9);
      assertEquals(id.equals("U04") ? "2" : id.equals("U02") ? "1" : "0", row.get("opens"), "opens of " + id);
      assertEquals(expectedEmail(id, false), row.get("email"), "e-mail of " + id);
    }
    assertEquals(expectedMembers(), sent);
    assertEquals(sent.size(), m.get("rows").asLong());
    assertTrue(m.get("files").size() >= (sent.size() + 6) / 7, "files hold at most 7 rows: " + m.get("files"));
    long holdout = MEMBERS.values().stream().filter(b -> b).count();
    assertEquals(holdout, m.get("holdout").asLong());
    assertEquals(2, m.get("skipped_consent").asLong(), "U05 (unsubscribe event) and U08 (opted-out address)");
    assertEquals(List.of("member_id", "first_name", "city", "customer_value_lifetime_spend", "opens", "email"),
        Json.mapper().convertValue(m.get("columns"), List.class));
    assertEquals("full-1", Files.readString(targets.resolve("full").resolve("LATEST")).trim());

    Row recorded = TestSpark.session().table(NS + "_act.activation_runs")
        .filter("activation_id = 'vip_full' AND run_id = 'full-1'").first();
    assertEquals("succeeded", recorded.getAs("status"));
    assertEquals((long) sent.size(), (long) recorded.<Long>getAs("rows"));
    assertEquals(2L, (long) recorded.<Long>getAs("skipped_consent"));

    JobRun again = run("full-1");
    assertEquals(0, again.exitCode(), again.err());
    assertEquals("already_delivered", again.summary().at("/details/vip_full/status").asText());
    assertEquals(1, TestSpark.session().table(NS + "_act.activation_runs")
        .filter("activation_id = 'vip_full' AND run_id = 'full-1'").count());
  }

  @Test
  void hashedContactPointsAreSha256OfTheNormalizedValue() throws Exception {
    conf.tenantFile("activations/vip_hashed.yaml", "segment: vip\ntarget: " + target("hashed") + "\nhashing: true\n"
        + "contactPoints: {email: {sources: [web, crm]}}\n");
    JobRun r = run("hashed-1");
    assertEquals(0, r.exitCode(), r.err());
    for (Map<String, String> row : readCsv(targets.resolve("hashed").resolve("hashed-1"), "members")) {
      String id = row.get("member_id");
      String web = EMAILS.stream().filter(c -> c.unifiedId().equals(id) && c.source().equals("web")).map(Cp::normalized)
          .findFirst().orElse(expectedEmail(id, true));
      assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(web.getBytes(StandardCharsets.UTF_8))),
          row.get("email_sha256"), id);
      assertFalse(row.containsKey("email"));
    }
  }

  @Test
  void incrementalSendsChangesAndRemovalsAcrossRuns() throws Exception {
    activation("vip_incr", target("incr"), "refresh: incremental\n");
    JobRun first = run("incr-1");
    assertEquals(0, first.exitCode(), first.err());
    assertEquals("full", first.summary().at("/details/vip_incr/refresh").asText());
    Set<String> firstSent = ids(readCsv(targets.resolve("incr/incr-1"), "members"));
    assertEquals(expectedMembers(), firstSent);

    // U01 leaves, U10 changes its name, U30 joins.
    Map<String, Person> changed = new TreeMap<>(PEOPLE);
    changed.put("U10", new Person("U10", "Renamed", "Boston", 105.0));
    changed.put("U30", new Person("U30", "Newcomer", "Boston", 1.0));
    EMAILS.add(new Cp("U30", "web", "new30@example.com", "new30@example.com", null, Timestamp.valueOf("2025-07-01 00:00:00")));
    Map<String, Boolean> members = new TreeMap<>(MEMBERS);
    members.remove("U01");
    members.put("U30", false);
    try {
      writeUnified(changed.values());
      writeSegment("vip", members);
      JobRun second = run("incr-2");
      assertEquals(0, second.exitCode(), second.err());
      assertEquals("incremental", second.summary().at("/details/vip_incr/refresh").asText());
      List<Map<String, String>> upserts = readCsv(targets.resolve("incr/incr-2"), "members");
      assertEquals(Set.of("U10", "U30"), ids(upserts));
      assertEquals("Renamed", upserts.stream().filter(x -> x.get("member_id").equals("U10")).findFirst().get().get("first_name"));
      assertEquals(Set.of("U01"), ids(readCsv(targets.resolve("incr/incr-2"), "removals")));
      assertEquals("incremental", manifest(targets.resolve("incr/incr-2")).get("refresh").asText());

      // Nothing changed since incr-2: skipped, nothing delivered or recorded; --force delivers an empty change set.
      long runsBefore = TestSpark.session().table(NS + "_act.activation_runs").count();
      JobRun third = run("incr-3");
      assertEquals(0, third.exitCode(), third.err());
      assertEquals("skipped", third.summary().at("/details/vip_incr/status").asText());
      assertEquals("inputs unchanged since the last successful run", third.summary().at("/skipped").asText());
      assertFalse(Files.exists(targets.resolve("incr/incr-3")), "a skipped activation delivers nothing");
      assertEquals(runsBefore, TestSpark.session().table(NS + "_act.activation_runs").count());
      JobRun forced = run("incr-3f", "--force");
      assertEquals(0, forced.exitCode(), forced.err());
      assertTrue(forced.summary().at("/skipped").isMissingNode(), forced.out());
      JsonNode m = manifest(targets.resolve("incr/incr-3f"));
      assertEquals(0, m.get("rows").asLong());
      assertEquals(0, m.get("removals").asLong());
      // A publish of the segment (a membership commit) makes it run again.
      writeSegment("vip", members);
      JobRun republished = run("incr-3p");
      assertEquals("delivered", republished.summary().at("/details/vip_incr/status").asText(), republished.out());

      activation("vip_incr", target("incr"), "refresh: incremental\ndescription: changed definition\n");
      JobRun fourth = run("incr-4");
      assertEquals(0, fourth.exitCode(), fourth.err());
      assertEquals("full", fourth.summary().at("/details/vip_incr/refresh").asText(), "a changed definition sends everything");
      assertEquals(firstSent.size() - 1 + 1, readCsv(targets.resolve("incr/incr-4"), "members").size());
    } finally {
      EMAILS.removeIf(c -> c.unifiedId().equals("U30"));
      writeUnified(PEOPLE.values());
      writeSegment("vip", MEMBERS);
    }
  }

  /**
   * A kill after each durable step of an incremental activation (files copied, manifest, LATEST, delivered state,
   * activation_runs, job_runs), then a rerun of the same run id: the same delivery as an undisturbed run, once (the
   * rerun adds its own job_runs row, as every run does).
   */
  @Test
  void killedAfterEachStepRerunsToTheUndisturbedDelivery() throws Exception {
    int steps = 6;
    Map<String, String> undisturbed = null;
    for (int k = 0; k <= steps; k++) {
      String id = "vip_crash_" + k;
      activation(id, target(id), "refresh: incremental\n");
      if (k > 0) {
        System.setProperty(CrashPoints.PROPERTY, String.valueOf(k));
        System.setProperty(CrashPoints.MODE, "throw");
        CrashPoints.reset();
        try {
          assertThrows(CrashPoints.SimulatedCrash.class, () -> run("crash"), "a kill after step " + k);
        } finally {
          System.clearProperty(CrashPoints.PROPERTY);
          System.clearProperty(CrashPoints.MODE);
        }
      }
      JobRun r = run("crash");
      assertEquals(0, r.exitCode(), r.err());
      Map<String, String> delivered = deliveredState(id);
      if (k == 0) {
        undisturbed = delivered;
      } else {
        assertEquals(undisturbed, delivered, "killed after step " + k + " and rerun");
      }
      Files.delete(conf.tenantDir().resolve("activations/" + id + ".yaml"));
    }
  }

  /** Everything an activation leaves behind, with its id and target name taken out. */
  private static Map<String, String> deliveredState(String id) throws Exception {
    Map<String, String> out = new TreeMap<>();
    Path dir = targets.resolve(id);
    try (var s = Files.list(dir)) {
      out.put("folders", s.map(p -> p.getFileName().toString()).sorted().toList().toString());
    }
    out.put("LATEST", Files.readString(dir.resolve("LATEST")).trim());
    JsonNode m = manifest(dir.resolve("crash"));
    out.put("manifest", m.get("rows") + " rows, " + m.get("removals") + " removals, " + m.get("files").size() + " files");
    out.put("members", new TreeSet<>(readCsv(dir.resolve("crash"), "members").stream().map(Object::toString).toList())
        .toString());
    List<String> runs = new ArrayList<>();
    for (Row r : TestSpark.session().table(NS + "_act.activation_runs").filter("activation_id = '" + id + "'")
        .collectAsList()) {
      runs.add(r.getAs("run_id") + " " + r.getAs("status") + " " + r.getAs("refresh") + " " + r.getAs("rows"));
    }
    out.put("activation_runs", runs.toString());
    out.put("state", new TreeSet<>(TestSpark.session().table(NS + "_act.delivered_" + id).collectAsList().stream()
        .map(Row::toString).toList()).toString());
    return out;
  }

  @Test
  void emptySegmentIsAValidEmptyExport() throws Exception {
    conf.tenantFile("activations/nobody.yaml", "segment: nobody\ntarget: " + target("empty") + "\nattributes: [first_name]\n");
    JobRun r = run("empty-1");
    assertEquals(0, r.exitCode(), r.err());
    JsonNode m = manifest(targets.resolve("empty/empty-1"));
    assertEquals(0, m.get("rows").asLong());
    assertTrue(readCsv(targets.resolve("empty/empty-1"), "members").isEmpty());
  }

  @Test
  void failedCopyLeavesNoManifestAndTheRerunDeliversOnce() throws Exception {
    Path blocker = targets.resolve("blocked");
    Files.createDirectories(targets);
    Files.writeString(blocker, "a file where the target folder should be");
    activation("vip_fail", target("blocked") + "/exports", "");
    JobRun failed = run("fail-1");
    assertEquals(1, failed.exitCode(), failed.out());
    assertTrue(failed.err().contains("vip_fail"), failed.err());
    Row recorded = TestSpark.session().table(NS + "_act.activation_runs")
        .filter("activation_id = 'vip_fail' AND run_id = 'fail-1'").first();
    assertEquals("failed", recorded.getAs("status"));
    assertNotNull(recorded.getAs("error"));

    Files.delete(blocker);
    JobRun rerun = run("fail-1");
    assertEquals(0, rerun.exitCode(), rerun.err());
    Path runDir = targets.resolve("blocked/exports/fail-1");
    assertEquals(expectedMembers(), ids(readCsv(runDir, "members")));
    try (var s = Files.list(targets.resolve("blocked/exports"))) {
      assertEquals(Set.of("fail-1", "LATEST"), s.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet()));
    }
  }

  @Test
  void badConfigurationStopsBeforeAnyWork() {
    long runsBefore = runsCount();
    conf.tenantFile("activations/bad.yaml", "segment: no_such_segment\ntarget: " + target("bad") + "\n");
    JobRun unknownSegment = run("bad-1");
    assertEquals(2, unknownSegment.exitCode());
    assertTrue(unknownSegment.err().contains("bad.yaml") && unknownSegment.err().contains("unknown segment 'no_such_segment'"),
        unknownSegment.err());

    conf.tenantFile("activations/bad.yaml", "segment: vip\ntarget: " + target("bad") + "\nattributes: [shoe_size]\n");
    JobRun unknownAttribute = run("bad-2");
    assertEquals(2, unknownAttribute.exitCode());
    assertTrue(unknownAttribute.err().contains("unknown attribute 'shoe_size'"), unknownAttribute.err());

    conf.tenantFile("activations/bad.yaml", "segment: vip\ntarget: ftp://example.com/exports\n");
    JobRun badScheme = run("bad-3");
    assertEquals(2, badScheme.exitCode());
    assertTrue(badScheme.err().contains("target") && badScheme.err().contains("s3a://"), badScheme.err());

    conf.tenantFile("activations/bad.yaml", "segment: vip\ntarget: " + target("bad") + "\n"
        + "attributes: [{name: x, object: EmailEngagement, where: \"NoSuchField = 1\"}]\n");
    JobRun badWhere = run("bad-4");
    assertEquals(2, badWhere.exitCode());
    assertTrue(badWhere.err().contains("where") && badWhere.err().contains("NoSuchField"), badWhere.err());

    // Another tenant's table in a condition: refused by the tenant SQL sandbox before anything is read.
    TestSpark.session().sql("CREATE NAMESPACE IF NOT EXISTS lake.other_dlo");
    TestSpark.session().sql("CREATE TABLE IF NOT EXISTS lake.other_dlo.contacts (id STRING) USING iceberg");
    conf.tenantFile("activations/bad.yaml", "segment: vip\ntarget: " + target("bad") + "\n"
        + "attributes: [{name: x, object: EmailEngagement, where: \"PartyId IN (SELECT id FROM lake.other_dlo.contacts)\"}]\n");
    JobRun otherTenant = run("bad-5");
    assertEquals(2, otherTenant.exitCode(), otherTenant.err());
    assertTrue(otherTenant.err().contains("bad.yaml") && otherTenant.err().contains("attributes[0].where")
        && otherTenant.err().contains("'lake.other_dlo.contacts'"), otherTenant.err());
    assertFalse(Files.exists(targets.resolve("bad")));
    assertEquals(runsBefore, runsCount(), "no run recorded for a bad configuration");
  }

  @Test
  void deliversToS3ThroughS3a(@TempDir Path s3dir) throws Exception {
    try (S3MockServer s3 = S3MockServer.start(s3dir, "exports")) {
      Configuration hadoop = TestSpark.session().sparkContext().hadoopConfiguration();
      s3.s3aSettings().forEach(hadoop::set);
      activation("vip_s3", "s3a://exports/lakecdp/vip", "");
      JobRun r = run("s3-1");
      assertEquals(0, r.exitCode(), r.err() + r.out());
      FileSystem fs = FileSystem.get(java.net.URI.create("s3a://exports/"), hadoop);
      org.apache.hadoop.fs.Path runDir = new org.apache.hadoop.fs.Path("s3a://exports/lakecdp/vip/s3-1");
      JsonNode m;
      try (InputStream in = fs.open(new org.apache.hadoop.fs.Path(runDir, "_manifest.json"))) {
        m = Json.mapper().readTree(in);
      }
      Set<String> sent = new TreeSet<>();
      for (JsonNode f : m.get("files")) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (InputStream in = fs.open(new org.apache.hadoop.fs.Path(runDir, f.get("path").asText()))) {
          in.transferTo(bytes);
        }
        assertEquals(f.get("sha256").asText(), sha256(bytes.toByteArray()), "checksum of " + f.get("path") + " on S3");
        sent.addAll(ids(parseCsv(new GZIPInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray())))));
      }
      assertEquals(expectedMembers(), sent);

      activation("vip_s3_missing", "s3a://no-such-bucket/lakecdp/vip", "");
      JobRun missing = run("s3-2", "--activation", "vip_s3_missing");
      assertEquals(1, missing.exitCode(), missing.out());
      assertTrue(missing.err().contains("no-such-bucket"), missing.err());
    }
  }

  static Set<String> ids(List<Map<String, String>> rows) {
    Set<String> out = new TreeSet<>();
    rows.forEach(r -> out.add(r.get("member_id")));
    return out;
  }

  static long runsCount() {
    SparkSession spark = TestSpark.session();
    return spark.catalog().tableExists(NS + "_act.activation_runs") ? spark.table(NS + "_act.activation_runs").count() : 0;
  }
}
