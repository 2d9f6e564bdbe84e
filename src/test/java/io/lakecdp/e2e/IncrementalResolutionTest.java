package io.lakecdp.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lakecdp.common.job.Json;
import io.lakecdp.common.testing.IcebergTables;
import io.lakecdp.common.testing.JobRun;
import io.lakecdp.common.testing.TestSpark;
import io.lakecdp.demo.DemoDataGenerator;
import io.lakecdp.dlowrite.DloWriteCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Incremental identity resolution through the entry point, each run its own JVM: after added, changed and deleted
 * source records, an incremental run leaves every unified table as a complete run ({@code --full}) on the same data
 * does, including a record whose new e-mail and phone join two clusters and its change back, which splits them
 * again, and a change in a contact point alone (an opt-in); an unchanged input is skipped.
 */
class IncrementalResolutionTest {
  private static final String TENANT = "incr";
  private static final String HEADER = "contact_id,salutation,first_name,last_name,email,phone,mailing_street,"
      + "mailing_city,mailing_state,mailing_zip,birthdate,updated_at,is_deleted";
  private static final List<String> TABLES = List.of("unified_link_individual", "unified_individual",
      "match_explanations", "unified_contact_point_email", "unified_contact_point_phone",
      "unified_contact_point_address", "resolution_units");

  @TempDir
  static Path dir;

  @Test
  void incrementalRunsEqualCompleteRuns() throws Exception {
    Path conf = dir.resolve("conf");
    Path landing = dir.resolve("landing");
    // The test JVM's shared Spark session (ingest runs in it) has its catalog there: the jobs in their own JVMs too.
    Path warehouse = TestSpark.warehouse();
    new DemoDataGenerator(7, 0.0).generate(400, landing, 100_000);
    DemoTenant.install(conf, TENANT, warehouse, landing);
    ingest(conf);
    // A CRM contact whose address has no postal code: a row of the unified address table, though not one of the
    // profile's addresses (those need a postal code).
    org.apache.spark.sql.SparkSession spark = TestSpark.session();
    String crmTable = "lake." + TENANT + "_dlo.crm_contacts";
    String noZip = crmRows(landing).values().stream().filter(r -> !"true".equalsIgnoreCase(r[12]) && !r[6].isEmpty())
        .map(r -> r[0]).max(String::compareTo).orElseThrow();
    spark.sql("UPDATE " + crmTable + " SET mailing_zip = NULL WHERE contact_id = '" + noZip + "'");
    JsonNode first = resolve(conf);
    assertEquals("complete", first.get("mode").asText(), first.toString());
    IcebergTables lake = new IcebergTables(warehouse);
    Map<String, String> ids = ids(lake);

    // Two CRM contacts with the same name in different clusters (the generator plants namesakes).
    Map<String, String[]> crm = crmRows(landing);
    String[] x = null;
    String[] y = null;
    Map<String, String[]> byName = new TreeMap<>();
    for (String[] row : crm.values()) {
      String name = row[2].toLowerCase() + " " + row[3].toLowerCase();
      String[] other = byName.putIfAbsent(name, row);
      if (other != null && !row[4].isEmpty() && !other[4].isEmpty() && !row[5].isEmpty()
          && !row[0].equals(noZip) && !other[0].equals(noZip)
          && !ids.get(key(row)).equals(ids.get(key(other)))) {
        x = other;
        y = row;
        break;
      }
    }
    assertNotNull(x, "the demo data has two CRM contacts of the same name in two clusters");
    String[] deleted = null;
    String[] copied = null;
    for (String[] row : crm.values()) {
      if (row[0].equals(noZip)) {
        continue;
      }
      if (row != x && row != y && deleted == null) {
        deleted = row;
      } else if (row != x && row != y && copied == null) {
        copied = row;
      }
    }
    // Round 1: x takes y's e-mail and phone (joining the two clusters), a contact is deleted, another is added.
    String[] joined = x.clone();
    joined[4] = y[4];
    joined[5] = y[5];
    String[] added = copied.clone();
    added[0] = "C9000001";
    added[2] = added[2].toUpperCase();
    String[] gone = deleted.clone();
    gone[12] = "true";
    writeCrm(landing, "contacts_9001.csv", joined, added, gone);
    ingest(conf);
    JsonNode second = resolve(conf);
    assertEquals("incremental", second.get("mode").asText(), second.toString());
    assertEquals(2, second.get("profiles_changed").asLong(), second.toString());
    assertEquals(1, second.get("profiles_deleted").asLong(), second.toString());
    Map<String, String> afterJoin = ids(lake);
    assertEquals(afterJoin.get(key(x)), afterJoin.get(key(y)), "the changed record joins the two clusters");
    assertEquals(afterJoin.get(key(copied)), afterJoin.get("crm_contacts:C9000001"), "the added record joins its person");
    assertFalse(afterJoin.containsKey(key(deleted)), "the deleted record is gone");
    long unified = lake.rows(TENANT + "_unified", "unified_individual").size();
    long rewritten = second.at("/rows_rewritten/unified_individual").asLong();
    assertTrue(rewritten > 0 && rewritten * 10 < unified, "only the touched clusters are rewritten: " + rewritten
        + " of " + unified);
    assertTrue(second.get("clusters_touched").asLong() * 10 < unified, second.toString());
    assertEqualToACompleteRun(conf, lake);

    // Round 2: x changes back, which splits the cluster again.
    String[] back = x.clone();
    back[11] = "2026-06-01 00:00:00";
    writeCrm(landing, "contacts_9002.csv", back);
    ingest(conf);
    JsonNode third = resolve(conf);
    assertEquals("incremental", third.get("mode").asText(), third.toString());
    assertEquals(1, third.get("profiles_changed").asLong(), third.toString());
    Map<String, String> afterSplit = ids(lake);
    assertFalse(afterSplit.get(key(x)).equals(afterSplit.get(key(y))), "the change back splits the cluster");
    assertEqualToACompleteRun(conf, lake);

    // Round 3: only contact points change, as an upsert would leave them: a web sign-up's marketing opt-in, and the
    // street of the address without a postal code. Both records are changed; their contact point rows are rewritten.
    String web = "lake." + TENANT + "_dlo.web_signups";
    String user = spark.table(web).filter("email_address IS NOT NULL").orderBy("user_id").first().getAs("user_id");
    spark.sql("UPDATE " + web + " SET marketing_opt_in = NOT coalesce(marketing_opt_in, false) WHERE user_id = '" + user + "'");
    spark.sql("UPDATE " + crmTable + " SET mailing_street = concat(coalesce(mailing_street, ''), ' Apt 2')"
        + " WHERE contact_id = '" + noZip + "'");
    JsonNode fourth = resolve(conf);
    assertEquals("incremental", fourth.get("mode").asText(), fourth.toString());
    assertEquals(2, fourth.get("profiles_changed").asLong(), fourth.toString());
    assertTrue(fourth.at("/rows_rewritten/unified_contact_point_email").asLong() > 0, fourth.toString());
    assertTrue(lake.rows(TENANT + "_unified", "unified_contact_point_address").stream()
        .anyMatch(r -> ("crm_contacts:" + noZip).equals(r.get("record_id")) && r.get("postal_code") == null
            && String.valueOf(r.get("address_line1")).endsWith(" Apt 2")), "the address without a postal code is updated");
    assertEqualToACompleteRun(conf, lake);

    // Nothing changed since: skipped, in another JVM.
    Submit.Result skipped = Submit.run("identity-resolution", "--tenant", TENANT, "--conf", conf.toString(),
        "--master", "local[2]");
    assertEquals(0, skipped.exitCode(), skipped.err());
    assertTrue(summary(skipped).at("/details/skipped").asText().contains("unchanged"), skipped.out());
  }

  /** A complete run in a new JVM over the same data leaves every unified table as the incremental run left it. */
  private static void assertEqualToACompleteRun(Path conf, IcebergTables lake) {
    Map<String, Set<String>> incremental = content(lake);
    Submit.Result full = Submit.run("identity-resolution", "--tenant", TENANT, "--conf", conf.toString(), "--full",
        "--master", "local[2]");
    assertEquals(0, full.exitCode(), full.err());
    assertEquals("complete", summary(full).at("/details/mode").asText());
    Map<String, Set<String>> complete = content(lake);
    for (String t : TABLES) {
      Set<String> onlyIncremental = new TreeSet<>(incremental.get(t));
      onlyIncremental.removeAll(complete.get(t));
      Set<String> onlyComplete = new TreeSet<>(complete.get(t));
      onlyComplete.removeAll(incremental.get(t));
      assertTrue(onlyIncremental.isEmpty() && onlyComplete.isEmpty(), t + ": only after the incremental run "
          + first(onlyIncremental) + ", only after the complete run " + first(onlyComplete));
      assertFalse(complete.get(t).isEmpty(), t);
    }
  }

  private static List<String> first(Set<String> rows) {
    return rows.stream().limit(5).toList();
  }

  /** Every row of every unified table as text, without the run id. */
  private static Map<String, Set<String>> content(IcebergTables lake) {
    Map<String, Set<String>> out = new HashMap<>();
    for (String t : TABLES) {
      Set<String> rows = new TreeSet<>();
      for (Map<String, Object> r : lake.rows(TENANT + "_unified", t)) {
        Map<String, Object> m = new TreeMap<>(r);
        m.remove("run_id");
        rows.add(m.toString());
      }
      out.put(t, rows);
    }
    return out;
  }

  private static Map<String, String> ids(IcebergTables lake) {
    Map<String, String> out = new HashMap<>();
    for (Map<String, Object> r : lake.rows(TENANT + "_unified", "unified_link_individual")) {
      out.put(String.valueOf(r.get("record_id")), String.valueOf(r.get("unified_id")));
    }
    return out;
  }

  private static String key(String[] crmRow) {
    return "crm_contacts:" + crmRow[0];
  }

  private static void ingest(Path conf) {
    JobRun load = JobRun.of(new DloWriteCommand(), "--tenant", TENANT, "--conf", conf.toString());
    assertEquals(0, load.exitCode(), load.err());
  }

  /** An identity resolution run in its own JVM; its summary's details. */
  private static JsonNode resolve(Path conf) {
    Submit.Result r = Submit.run("identity-resolution", "--tenant", TENANT, "--conf", conf.toString(), "--master",
        "local[2]");
    assertEquals(0, r.exitCode(), r.err());
    return summary(r).get("details");
  }

  private static JsonNode summary(Submit.Result r) {
    String line = r.out().lines().filter(l -> l.contains("\"lakecdp_summary\"")).reduce((a, b) -> b)
        .orElseThrow(() -> new AssertionError("no summary line: " + r.out() + r.err()));
    try {
      return Json.mapper().readTree(line.substring(line.indexOf('{')));
    } catch (java.io.IOException e) {
      throw new AssertionError(line, e);
    }
  }

  /** The CRM contacts of the landing files by id (values without commas or quotes only). */
  private static Map<String, String[]> crmRows(Path landing) throws Exception {
    Map<String, String[]> out = new TreeMap<>();
    try (Stream<Path> files = Files.list(landing.resolve("crm/contacts"))) {
      for (Path f : files.sorted().toList()) {
        List<String> lines = Files.readAllLines(f);
        assertEquals(HEADER, lines.get(0));
        for (String line : lines.subList(1, lines.size())) {
          String[] v = line.split(",", -1);
          if (v.length == 13 && !line.contains("\"")) {
            out.put(v[0], v);
          }
        }
      }
    }
    return out;
  }

  /** A new CRM file with the given rows, each with a newer update time than the generator's. */
  private static void writeCrm(Path landing, String name, String[]... rows) throws Exception {
    List<String> lines = new ArrayList<>(List.of(HEADER));
    for (String[] r : rows) {
      String[] v = r.clone();
      if (!v[11].startsWith("2026")) {
        v[11] = "2026-01-01 00:00:00";
      }
      lines.add(String.join(",", v));
    }
    Files.write(landing.resolve("crm/contacts").resolve(name), lines);
  }
}
