package io.lakecdp.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.lakecdp.common.testing.TestSpark;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** One pass over a batch counts its records and tells whether its valid upserts' keys are distinct. */
class BatchSummaryTest {
  private static final StructType SCHEMA = new StructType().add("k", DataTypes.StringType).add("n", DataTypes.IntegerType)
      .add("ok", DataTypes.BooleanType).add("op", DataTypes.StringType).add("extra", DataTypes.BooleanType);

  private static BatchSummary summary(List<Row> rows, int partitions, long maxHashes) {
    SparkSession spark = TestSpark.session();
    Dataset<Row> batch = spark.createDataFrame(rows, SCHEMA).repartition(partitions, functions.col("n"));
    Column ok = functions.col("ok");
    return BatchSummary.of(batch, ok, functions.col("op").equalTo("D"), functions.col("extra"), List.of("k", "n"), maxHashes);
  }

  private static List<Row> rows(int n) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(RowFactory.create("key" + i, i % 7, true, "U", i % 10 == 0));
    }
    return rows;
  }

  @Test
  void countsTheRecordsAndFindsDistinctKeys() {
    List<Row> rows = rows(1000);
    rows.add(RowFactory.create("key1", 1, false, "U", false));   // rejected: its key does not count
    rows.add(RowFactory.create("gone", 2, true, "D", true));     // a delete request of a key no upsert has
    BatchSummary s = summary(rows, 3, 1_000_000);
    assertEquals(1002, s.total);
    assertEquals(1, s.rejected);
    assertEquals(1, s.deletes);
    assertEquals(101, s.withExtraKeys);
    assertEquals(Boolean.TRUE, s.keysDistinct());
    assertNull(s.whyNotAsIs(true));
    assertEquals("it has delete requests", s.whyNotAsIs(false));
  }

  @Test
  void aDeleteRequestOfAnUpsertedKeyRepeatsIt() {
    List<Row> rows = rows(1000);
    rows.add(RowFactory.create("key2", 2, true, "D", false));    // the batch also upserts key2
    BatchSummary s = summary(rows, 3, 1_000_000);
    assertEquals(Boolean.FALSE, s.keysDistinct());
    assertEquals("some keys repeat in it", s.whyNotAsIs(true));
  }

  @Test
  void aKeyRepeatedInAnotherPartitionOrTheSameIsFound() {
    List<Row> across = rows(1000);
    across.add(RowFactory.create("key5", 5, true, "U", false));
    assertEquals(Boolean.FALSE, summary(across, 1, 1_000_000).keysDistinct());
    assertEquals(Boolean.FALSE, summary(across, 4, 1_000_000).keysDistinct());
    List<Row> sameName = rows(1000);
    sameName.add(RowFactory.create("key5", 6, true, "U", false));  // the same first key part, another second part
    assertEquals(Boolean.TRUE, summary(sameName, 4, 1_000_000).keysDistinct());
  }

  @Test
  void tooManyKeysForTheDriverLeaveTheQuestionOpen() {
    BatchSummary s = summary(rows(1000), 4, 100);
    assertNull(s.keysDistinct());
    assertEquals("it has too many records to compare key hashes on the driver", s.whyNotAsIs(true));
    assertEquals(1000, s.total);
  }
}
