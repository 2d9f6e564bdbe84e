package io.lakecdp.dlowrite;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lakecdp.common.testing.IcebergTables;
import io.lakecdp.common.testing.JobRun;
import io.lakecdp.common.testing.TestConf;
import io.lakecdp.common.testing.TestSpark;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A key repeated in another landing file of the batch (so in another partition) keeps only its newest version,
 * whether the keys are checked by their hashes or, for a batch too large for that, counted in a shuffle.
 */
class RepeatedKeysTest {
  @ParameterizedTest
  @ValueSource(strings = {"8000000", "1"})
  void theNewestVersionOfAKeyRepeatedAcrossFilesWins(String maxKeyHashes, @TempDir Path dir) {
    String tenant = "1".equals(maxKeyHashes) ? "repeatscounted" : "repeatshashed";  // each its own DLO
    TestConf conf = TestConf.create(dir, tenant).tenantFile("streams.yaml", """
        streams:
          people: {format: csv, path: people, primaryKey: [id], lastModified: ts,
              fields: {id: int, name: string, ts: {type: timestamp, format: "yyyy-MM-dd HH:mm:ss"}}}
        """);
    StringBuilder first = new StringBuilder("id,name,ts\n");
    StringBuilder second = new StringBuilder("id,name,ts\n");
    for (int i = 0; i < 500; i++) {
      first.append(i).append(",a").append(i).append(",2025-01-01 10:00:00\n");
      second.append(1000 + i).append(",b").append(i).append(",2025-01-01 10:00:00\n");
    }
    second.append("7,newer,2025-01-02 10:00:00\n");
    conf.landingFile("people/1.csv", first.toString());
    conf.landingFile("people/2.csv", second.toString());
    TestSpark.session().conf().set("spark.lakecdp.ingest.maxKeyHashes", maxKeyHashes);
    try {
      JobRun run = JobRun.of(new DloWriteCommand(), conf.jobArgs());
      assertEquals(0, run.exitCode(), run.err());
      assertEquals(1001, run.summary().get("rows_in").asLong());
    } finally {
      TestSpark.session().conf().unset("spark.lakecdp.ingest.maxKeyHashes");
    }
    Map<String, Map<String, Object>> rows = new TreeMap<>(IcebergTables.ofTestWarehouse().rowsBy(tenant + "_dlo", "people", "id"));
    assertEquals(1000, IcebergTables.ofTestWarehouse().rows(tenant + "_dlo", "people").size(), "one row per key");
    assertEquals(1000, rows.size());
    assertEquals("newer", rows.get("7").get("name"));
    assertEquals("b3", rows.get("1003").get("name"));
  }
}
