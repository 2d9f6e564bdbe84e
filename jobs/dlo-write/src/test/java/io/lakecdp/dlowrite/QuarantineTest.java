package io.lakecdp.dlowrite;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lakecdp.common.testing.IcebergTables;
import io.lakecdp.common.testing.JobRun;
import io.lakecdp.common.testing.TestConf;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad records go to quarantine with a reason and their position; the good ones load. */
class QuarantineTest {
  @Test
  void badJsonRecordsAreQuarantinedWithTheirReasonAndTheRestLoad(@TempDir Path dir) {
    TestConf conf = TestConf.create(dir, "quar").tenantFile("streams.yaml", """
        streams:
          events: {format: json, path: events, primaryKey: [id], maxRecordBytes: 120, fields: {id: string,
              age: int, at: timestamp}}
        """);
    String good1 = "{\"id\":\"a\",\"age\":41,\"at\":\"2025-03-01T10:00:00Z\"}";
    String good2 = "{\"id\":\"b\",\"age\":\"42\"}";
    String malformed = "{\"id\":\"c\",\"age\":";
    String wrongType = "{\"id\":\"d\",\"age\":\"forty\"}";
    String noKey = "{\"age\":5}";
    String notObject = "[1,2,3]";
    String oversized = "{\"id\":\"e\",\"note\":\"" + "x".repeat(200) + "\"}";
    String file = String.join("\n", good1, malformed, wrongType, "", good2, noKey, notObject, oversized) + "\n";
    conf.landingFile("events/e1.jsonl", file);

    JobRun run = JobRun.of(new DloWriteCommand(), conf.jobArgs("--run-id", "q1"));
    assertEquals(0, run.exitCode(), run.err());
    assertEquals(2, run.summary().get("rows_out").asLong());
    assertEquals(5, run.summary().get("rows_quarantined").asLong());

    IcebergTables lake = IcebergTables.ofTestWarehouse();
    assertEquals(java.util.Set.of("a", "b"), lake.rowsBy("quar_dlo", "events", "id").keySet());
    assertEquals(42, lake.rowsBy("quar_dlo", "events", "id").get("b").get("age"));

    Map<Long, String> reasons = new TreeMap<>();
    for (Map<String, Object> q : lake.rows("quar_dlo", "quarantine")) {
      assertEquals("events", q.get("stream"));
      assertEquals("q1", q.get("run_id"));
      assertEquals(true, ((String) q.get("source_file")).endsWith("events/e1.jsonl"));
      reasons.put((Long) q.get("source_offset"), (String) q.get("reason"));
    }
    long offMalformed = good1.length() + 1;
    long offWrongType = offMalformed + malformed.length() + 1;
    long offNoKey = offWrongType + wrongType.length() + 1 + 1 + good2.length() + 1;
    long offNotObject = offNoKey + noKey.length() + 1;
    long offOversized = offNotObject + notObject.length() + 1;
    assertEquals(java.util.List.of(offMalformed, offWrongType, offNoKey, offNotObject, offOversized),
        java.util.List.copyOf(reasons.keySet()));
    assertEquals(true, reasons.get(offMalformed).startsWith("malformed JSON: "), reasons.get(offMalformed));
    assertEquals("field age: cannot read 'forty' as int", reasons.get(offWrongType));
    assertEquals("missing primary key field id", reasons.get(offNoKey));
    assertEquals("malformed JSON: the line is not a JSON object", reasons.get(offNotObject));
    assertEquals("record of " + oversized.length() + " bytes exceeds maxRecordBytes 120 (raw record truncated)",
        reasons.get(offOversized));

    conf.landingFile("events/e1.jsonl", file + good1.replace("\"a\"", "\"z\"") + "\n");
    JobRun rerun = JobRun.of(new DloWriteCommand(), conf.jobArgs("--run-id", "q2"));
    assertEquals(0, rerun.exitCode(), rerun.err());
    assertEquals(5, lake.rows("quar_dlo", "quarantine").size(), "re-reading a changed file must not duplicate quarantine rows");
    assertEquals(java.util.Set.of("a", "b", "z"), lake.rowsBy("quar_dlo", "events", "id").keySet());
  }

  @Test
  void badCsvLinesAreQuarantined(@TempDir Path dir) {
    TestConf conf = TestConf.create(dir, "quarcsv").tenantFile("streams.yaml", """
        streams:
          orders: {format: csv, path: orders, primaryKey: [id], fields: {id: string, amount: "decimal(8,2)",
              day: {type: date, format: MM/dd/yyyy}}}
        """);
    conf.landingFile("orders/o.csv", "id,amount,day\n"
        + "o1,10.50,01/31/2025\n"
        + "o2,\"10,50\",01/31/2025\n"
        + "o3,1.00,31.01.2025\n"
        + "o4,1.00\n"
        + "o5,\"unterminated,01/01/2025\n"
        + ",2.00,01/01/2025\n"
        + "o6,,\n");
    JobRun run = JobRun.of(new DloWriteCommand(), conf.jobArgs());
    assertEquals(0, run.exitCode(), run.err());
    IcebergTables lake = IcebergTables.ofTestWarehouse();
    assertEquals(java.util.Set.of("o1", "o6"), lake.rowsBy("quarcsv_dlo", "orders", "id").keySet());
    Map<String, String> reasons = new TreeMap<>();
    lake.rows("quarcsv_dlo", "quarantine").forEach(q -> reasons.put((String) q.get("raw_record"), (String) q.get("reason")));
    assertEquals("field amount: cannot read '10,50' as decimal(8,2)", reasons.get("o2,\"10,50\",01/31/2025"));
    assertEquals("field day: cannot read '31.01.2025' as date with format 'MM/dd/yyyy'", reasons.get("o3,1.00,31.01.2025"));
    assertEquals("expected 3 columns (as in the header), found 2", reasons.get("o4,1.00"));
    assertEquals(true, reasons.get("o5,\"unterminated,01/01/2025").startsWith("unparseable CSV line: "));
    assertEquals("missing primary key field id", reasons.get(",2.00,01/01/2025"));
    assertEquals(5, reasons.size());
  }
}
