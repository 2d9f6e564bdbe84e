package io.lakecdp.crossjob;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakecdp.common.testing.IcebergTables;
import io.lakecdp.common.testing.JobRun;
import io.lakecdp.common.testing.TestConf;
import io.lakecdp.dlowrite.DloWriteCommand;
import io.lakecdp.ingeststream.IngestStreamCommand;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Formula fields: computed at ingest from the source fields, the same in batch ingest and in streaming micro-batches;
 * a record a formula fails on is quarantined with the reason while the rest load; a formula that cannot work stops
 * the job before any data is read, naming the file and the field.
 */
class FormulaFieldsTest {
  static String streams(String formula) {
    return """
        streams:
          signups: {format: json, path: signups, primaryKey: [user_id], fields: {user_id: string,
              full_name: string, zip: string, mobile: string, age_text: string, first_name: {type: string,
              formula: "name_part(full_name, 'first')"}, last_name: {type: string,
              formula: "name_part(full_name, 'last')"}, postal_code: {type: string,
              formula: "postal_code5(zip)"}, phone: {type: string, formula: "phone_e164(mobile)"},
              age: {type: int, formula: "%s"}}}
        """.formatted(formula);
  }

  static final String DATA = String.join("\n",
      "{\"user_id\":\"u1\",\"full_name\":\"Mrs. Ann B. Lee\",\"zip\":\"02134-1234\",\"mobile\":\"(415) 555-2671\","
          + "\"age_text\":\"41\"}",
      "{\"user_id\":\"u2\",\"full_name\":\"de la Cruz, Maria\",\"zip\":\"2134\",\"mobile\":\"n/a\"}",
      "{\"user_id\":\"u3\",\"full_name\":\"Sean O'Brien Jr.\",\"zip\":\"90210\",\"age_text\":\"forty\"}",
      "{\"user_id\":\"u4\",\"full_name\":\"  van der  Berg ,  Jan \",\"age_text\":\" 7 \"}") + "\n";

  private static Map<String, Map<String, Object>> model(String tenant) {
    Map<String, Map<String, Object>> out = new TreeMap<>();
    IcebergTables.ofTestWarehouse().rowsBy(tenant + "_dlo", "signups", "user_id").forEach((k, row) -> {
      Map<String, Object> values = new TreeMap<>(row);
      values.keySet().removeIf(c -> c.startsWith("_"));
      out.put(k, values);
    });
    return out;
  }

  @Test
  void batchAndStreamingComputeTheSameFieldsAndQuarantineWhatAFormulaFailsOn(@TempDir Path dir) {
    String streams = streams("cast(trim(age_text) AS int)");
    TestConf batch = TestConf.create(dir.resolve("b"), "fbatch").tenantFile("streams.yaml", streams);
    TestConf stream = TestConf.create(dir.resolve("s"), "fstream").tenantFile("streams.yaml", streams);
    batch.landingFile("signups/a.jsonl", DATA);
    stream.landingFile("signups/a.jsonl", DATA);

    JobRun b = JobRun.of(new DloWriteCommand(), batch.jobArgs());
    assertEquals(0, b.exitCode(), b.err());
    JobRun s = JobRun.of(new IngestStreamCommand(), stream.jobArgs());
    assertEquals(0, s.exitCode(), s.err());

    Map<String, Map<String, Object>> loaded = model("fbatch");
    assertEquals(loaded, model("fstream"), "batch and streaming ingest give the same DLO");
    assertEquals(List.of("u1", "u2", "u4"), List.copyOf(loaded.keySet()));
    Map<String, Object> ann = loaded.get("u1");
    assertEquals("Ann", ann.get("first_name"));
    assertEquals("Lee", ann.get("last_name"));
    assertEquals("02134", ann.get("postal_code"));
    assertEquals("+14155552671", ann.get("phone"));
    assertEquals(41, ann.get("age"));
    Map<String, Object> maria = loaded.get("u2");
    assertEquals("Maria", maria.get("first_name"));
    assertEquals("de la Cruz", maria.get("last_name"));
    assertEquals("02134", maria.get("postal_code"));
    assertEquals(null, maria.get("phone"), "a formula's null result is a null, not an error");
    assertEquals(null, maria.get("age"));
    assertEquals("Jan", loaded.get("u4").get("first_name"));
    assertEquals("van der Berg", loaded.get("u4").get("last_name"));
    assertEquals(7, loaded.get("u4").get("age"));

    for (String tenant : List.of("fbatch", "fstream")) {
      List<Map<String, Object>> q = IcebergTables.ofTestWarehouse().rows(tenant + "_dlo", "quarantine");
      assertEquals(1, q.size(), tenant + ": " + q);
      assertEquals("field age: the formula 'cast(trim(age_text) AS int)' failed on this record", q.get(0).get("reason"));
      assertTrue(String.valueOf(q.get(0).get("raw_record")).contains("\"u3\""), q.toString());
    }
  }

  @Test
  void aFormulaThatCannotWorkStopsTheJobBeforeItReadsDataNamingFileAndField(@TempDir Path dir) {
    Map<String, String> refused = new TreeMap<>(Map.of(
        "cast(agetext AS int)", "agetext",
        "reflect('java.lang.System', 'exit', '1')", "reflect",
        "array(1, 2)", "as int",
        "cast(rand() * 10 AS int)", "not deterministic",
        "(SELECT max(age) FROM lake.other_dlo.people)", "lake.other_dlo.people",
        "length(input_file_name())", "input_file_name",
        "no_such_fn(age_text)", "no_such_fn",
        "cast(age_text AS int", "not a valid expression"));
    int i = 0;
    for (Map.Entry<String, String> e : refused.entrySet()) {
      String tenant = "fbad" + i++;
      TestConf conf = TestConf.create(dir.resolve(tenant), tenant).tenantFile("streams.yaml",
          streams(e.getKey().replace("\"", "\\\"")));
      conf.landingFile("signups/a.jsonl", DATA);
      for (Object command : List.of(new DloWriteCommand(), new IngestStreamCommand())) {
        JobRun run = JobRun.of(command, conf.jobArgs());
        assertEquals(2, run.exitCode(), e.getKey() + ": " + run.err());
        assertTrue(run.err().contains("streams.yaml") && run.err().contains("streams.signups.fields.age.formula"),
            e.getKey() + ": " + run.err());
        assertTrue(run.err().contains(e.getValue()), e.getKey() + ": " + run.err());
      }
      assertFalse(IcebergTables.ofTestWarehouse().exists(tenant + "_dlo", "signups"), "nothing was written");
    }
  }
}
