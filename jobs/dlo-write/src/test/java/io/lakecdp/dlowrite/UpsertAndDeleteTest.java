package io.lakecdp.dlowrite;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lakecdp.common.testing.IcebergTables;
import io.lakecdp.common.testing.JobRun;
import io.lakecdp.common.testing.TestConf;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** Upsert semantics across three batches: newest version wins, delete flag and delete files remove keys. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UpsertAndDeleteTest {
  static TestConf conf;
  static final String HEADER = "id,name,ts,del\n";

  @BeforeAll
  static void setUp(@TempDir Path dir) {
    conf = TestConf.create(dir, "upserts").tenantFile("streams.yaml", """
        streams:
          people: {format: csv, path: people, primaryKey: [id], lastModified: ts, deleteFlag: del,
              deletes: {path: people_deleted}, mergeMode: copy-on-write, fields: {id: int, name: string,
              ts: {type: timestamp, format: "yyyy-MM-dd HH:mm:ss"}, del: boolean}}
        """);
  }

  private static Map<String, String> names() {
    Map<String, String> out = new TreeMap<>();
    IcebergTables.ofTestWarehouse().rowsBy("upserts_dlo", "people", "id")
        .forEach((id, row) -> out.put(id, (String) row.get("name")));
    return out;
  }

  @Test
  @Order(1)
  void newestVersionInTheBatchWinsAndTiesGoToTheLaterLine() {
    conf.landingFile("people/2025-01-01.csv", HEADER
        + "1,ann,2025-01-01 10:00:00,false\n"
        + "2,bob,2025-01-01 10:00:00,false\n"
        + "2,bobby,2025-01-01 11:00:00,false\n"
        + "2,bob-older,2025-01-01 09:00:00,false\n"
        + "3,cy,2025-01-01 10:00:00,false\n"
        + "5,first,2025-01-01 10:00:00,false\n"
        + "5,second,2025-01-01 10:00:00,false\n");
    JobRun run = JobRun.of(new DloWriteCommand(), conf.jobArgs());
    assertEquals(0, run.exitCode(), run.err());
    assertEquals(Map.of("1", "ann", "2", "bobby", "3", "cy", "5", "second"), names());
    assertEquals(7, run.summary().get("rows_in").asLong());
  }

  @Test
  @Order(2)
  void olderVersionsAreIgnoredAndTheDeleteFlagRemovesAKey() {
    conf.landingFile("people/2025-01-02.csv", HEADER
        + "1,ann-stale,2024-12-31 10:00:00,false\n"
        + "3,cyrus,2025-01-02 10:00:00,false\n"
        + "4,dee,2025-01-02 10:00:00,false\n"
        + "2,bobby,2025-01-02 10:00:00,true\n"
        + "9,never-existed,2025-01-02 10:00:00,true\n");
    JobRun run = JobRun.of(new DloWriteCommand(), conf.jobArgs());
    assertEquals(0, run.exitCode(), run.err());
    assertEquals(Map.of("1", "ann", "3", "cyrus", "4", "dee", "5", "second"), names());
    assertEquals(2, run.summary().at("/details/streams/people/delete_requests").asLong());
  }

  @Test
  @Order(3)
  void deleteFileRemovesKeysWhateverTheirTimestamp() {
    conf.landingFile("people_deleted/d1.csv", "id\n4\n5\n");
    JobRun run = JobRun.of(new DloWriteCommand(), conf.jobArgs());
    assertEquals(0, run.exitCode(), run.err());
    assertEquals(Map.of("1", "ann", "3", "cyrus"), names());
  }

  @Test
  @Order(4)
  void aBatchThatChangesNothingStillRecordsItsFiles() {
    conf.landingFile("people/2025-01-03.csv", HEADER + "1,ann-stale-again,2024-01-01 10:00:00,false\n");
    JobRun first = JobRun.of(new DloWriteCommand(), conf.jobArgs());
    assertEquals("loaded", first.summary().at("/details/streams/people/status").asText());
    JobRun second = JobRun.of(new DloWriteCommand(), conf.jobArgs());
    assertEquals("up_to_date", second.summary().at("/details/streams/people/status").asText());
    assertEquals(Map.of("1", "ann", "3", "cyrus"), names());
  }
}
