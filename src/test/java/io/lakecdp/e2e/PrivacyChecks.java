package io.lakecdp.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lakecdp.common.job.Json;
import io.lakecdp.common.testing.IcebergTables;
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
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;

/**
 * {@code privacy export} then {@code privacy forget} of one person, each through {@code lakecdp-submit} (its own
 * JVM), on a warehouse the pipeline filled: the export holds exactly the rows a query finds; after the forget no
 * Parquet file under the warehouse (data and delete files, whatever snapshot they belonged to) holds the person's
 * e-mail addresses, phone numbers or source ids, and every other person's rows are unchanged.
 */
final class PrivacyChecks {
  private PrivacyChecks() {}

  /** @param lake the tenant's tables through the catalog the configuration names; {@code warehouse} their files */
  static void exportAndForgetOnePerson(Path conf, IcebergTables lake, Path warehouse, String tenant, Path json)
      throws Exception {
    // The person: the first unified profile of two or more source records whose identifiers nobody else shares.
    Map<String, Set<String>> identifiers = new TreeMap<>();
    Map<String, Set<String>> records = new TreeMap<>();
    for (Map<String, Object> r : lake.rows(tenant + "_unified", "unified_link_individual")) {
      String u = String.valueOf(r.get("unified_id"));
      records.computeIfAbsent(u, k -> new TreeSet<>()).add(String.valueOf(r.get("record_id")));
      identifiers.computeIfAbsent(u, k -> new TreeSet<>()).add(String.valueOf(r.get("individual_id")));
    }
    Map<String, Integer> holders = new HashMap<>();
    for (String cp : List.of("unified_contact_point_email", "unified_contact_point_phone")) {
      for (Map<String, Object> r : lake.rows(tenant + "_unified", cp)) {
        for (String c : List.of("value", "email_address", "phone_number")) {
          if (r.get(c) != null && !String.valueOf(r.get(c)).isBlank()) {
            identifiers.get(String.valueOf(r.get("unified_id"))).add(String.valueOf(r.get(c)).strip());
          }
        }
      }
    }
    identifiers.values().forEach(ids -> ids.forEach(i -> holders.merge(i, 1, Integer::sum)));
    String person = records.entrySet().stream().filter(e -> e.getValue().size() >= 2)
        .filter(e -> identifiers.get(e.getKey()).stream().allMatch(i -> holders.get(i) == 1)
            && identifiers.get(e.getKey()).stream().anyMatch(i -> i.contains("@")))
        .map(Map.Entry::getKey).findFirst().orElseThrow();
    Set<String> secrets = identifiers.get(person);
    int unifiedBefore = lake.rows(tenant + "_unified", "unified_individual").size();
    Map<String, Map<String, Object>> crmBefore = lake.rowsBy(tenant + "_dlo", "crm_contacts", "contact_id");

    Submit.Result export = Submit.run("privacy", "export", "--tenant", tenant, "--conf", conf.toString(),
        "--unified-id", person, "--out", json.toString(), "--master", "local[2]");
    assertEquals(0, export.exitCode(), export.err());
    JsonNode doc = Json.mapper().readTree(json.toFile());
    JsonNode links = doc.at("/tables/lake." + tenant + "_unified.unified_link_individual");
    Set<String> exported = new TreeSet<>();
    links.forEach(l -> exported.add(l.get("record_id").asText()));
    assertEquals(records.get(person), exported, "the export's source records are the link table's");
    Set<String> crmIds = new TreeSet<>();
    doc.at("/tables/lake." + tenant + "_dlo.crm_contacts").forEach(r -> crmIds.add(r.get("contact_id").asText()));
    Set<String> crmExpected = new TreeSet<>(crmBefore.keySet());
    crmExpected.retainAll(identifiers.get(person));
    assertEquals(crmExpected, crmIds, "the export's CRM rows are those whose id is one of the person's records");
    assertFalse(doc.at("/tables/lake." + tenant + "_unified.unified_individual").isMissingNode(), doc.toString());

    Submit.Result forget = Submit.run("privacy", "forget", "--tenant", tenant, "--conf", conf.toString(),
        "--unified-id", person, "--run-id", "forget-1", "--master", "local[2]");
    assertEquals(0, forget.exitCode(), forget.err());
    List<String> found = new ArrayList<>();
    int files = 0;
    try (Stream<Path> all = Files.walk(warehouse)) {
      for (Path f : all.filter(p -> p.toString().endsWith(".parquet")).toList()) {
        files++;
        try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(),
            new org.apache.hadoop.fs.Path(f.toUri())).withConf(new Configuration()).build()) {
          for (Group g = reader.read(); g != null; g = reader.read()) {
            String text = g.toString();
            for (String secret : secrets) {
              if (text.contains(secret)) {
                found.add(secret + " in " + warehouse.relativize(f));
              }
            }
          }
        }
      }
    }
    assertTrue(files > 10, "Parquet files read: " + files);
    assertTrue(found.isEmpty(), "the person's values are still in: " + found);
    assertEquals(unifiedBefore - 1, lake.rows(tenant + "_unified", "unified_individual").size());
    Map<String, Map<String, Object>> crmAfter = lake.rowsBy(tenant + "_dlo", "crm_contacts", "contact_id");
    Map<String, Map<String, Object>> othersBefore = new TreeMap<>(crmBefore);
    othersBefore.keySet().removeAll(identifiers.get(person));
    assertEquals(othersBefore, crmAfter, "every other person's CRM rows are unchanged");
    List<Map<String, Object>> requests = lake.rows(tenant + "_ops", "privacy_requests");
    assertTrue(requests.stream().anyMatch(r -> "completed".equals(r.get("status"))), requests.toString());
    assertFalse(requests.toString().contains(person), "the request log holds no identifier of the person");

    Submit.Result again = Submit.run("privacy", "forget", "--tenant", tenant, "--conf", conf.toString(),
        "--unified-id", person, "--run-id", "forget-1", "--master", "local[2]");
    assertEquals(0, again.exitCode(), again.err());
    assertTrue(again.out().contains("already_completed"), again.out());
    Submit.Result nobody = Submit.run("privacy", "forget", "--tenant", tenant, "--conf", conf.toString(),
        "--unified-id", person, "--run-id", "forget-2", "--master", "local[2]");
    assertEquals(2, nobody.exitCode(), "a forgotten person matches nothing any more: " + nobody.err());
  }
}
