package io.lakecdp.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakecdp.common.testing.TestSpark;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;

/** Every timestamp text, whether it takes the UTC path or the plain cast, is read as the same instant as Spark's own cast. */
class TimestampTextTest {
  @Test
  void rewrittenTextsCastToTheSameInstantAsTheOriginal() {
    SparkSession spark = TestSpark.session();
    List<String> texts = new ArrayList<>(List.of("2025-03-01T10:00:00Z", "2025-03-01 10:00:00Z", "2025-03-01T10:00Z",
        "2025-03-01T10:00:00.123456Z", "2025-03-01T10:00:00.1Z", "2025-03-01Z", "2025-03Z", "2025Z", "Z", "12Z", "",
        " 2025-03-01T10:00:00Z ", "2025-03-01T10:00:00 Z", "2025-03-01T10:00:00z", "2025-03-01T10:00:00UTC",
        "2025-03-01T10:00:00+01:00", "2025-03-01T10:00:00-5:30", "2025-03-01T10:00:00GMT+1", "2025-13-01T10:00:00Z",
        "2025-02-30T10:00:00Z", "2025-03-01T24:00:00Z", "2025-03-01T10:61:00Z", "T10:00:00Z", "10:00:00Z",
        "2025-03-01T10:00:00ZZ", "2025-03-01T10:00:00Z+01:00", "+00:00", "2025-03-01T10:00:00+00:00Z", "abcZ",
        "2025-03-01T10Z", "2025-03-01 10Z", "2025-03-01T10:00:00+01:0Z", "2025-03-01T10:00:00+01:00:00Z",
        "1:2:3Z", "2025-3-1T1:2:3Z", "2025-03-01T10:00:00.Z", "20250-03-01T10:00:00Z", "2025-03-01T10:00:00.1234567890Z", "-0001-01-01T00:00:00Z", "99999-01-01T00:00:00Z"));
    Random random = new Random(7);
    for (int i = 0; i < 2000; i++) {
      String date = String.format("%04d-%02d-%02d", 1900 + random.nextInt(200), 1 + random.nextInt(12), 1 + random.nextInt(31));
      String time = String.format("%02d:%02d:%02d", random.nextInt(25), random.nextInt(61), random.nextInt(61));
      String sep = random.nextBoolean() ? "T" : " ";
      String fraction = random.nextInt(3) == 0 ? "." + random.nextInt(1_000_000) : "";
      texts.add(date + sep + time + fraction + "Z");
    }
    for (String zone : List.of("UTC", "America/New_York", "Asia/Kolkata")) {
      spark.conf().set("spark.sql.session.timeZone", zone);
      try {
        Dataset<Row> rows = spark.createDataset(texts, Encoders.STRING()).toDF("v")
            .select(functions.col("v"), functions.expr("try_cast(trim(v) AS timestamp)").as("spark"),
                RecordValidator.utcOrCast("trim(v)").as("ours"));
        int read = 0;
        for (Row r : rows.collectAsList()) {
          assertEquals(r.get(1), r.get(2), "'" + r.getString(0) + "' in session zone " + zone);
          read += r.isNullAt(2) ? 0 : 1;
        }
        assertTrue(read > 1500, "most generated texts are valid timestamps: " + read);
      } finally {
        spark.conf().unset("spark.sql.session.timeZone");
      }
    }
  }
  /**
   * A declared format with a fast path reads every text as Spark's parser of that format does: valid and invalid
   * dates and times, daylight-saving gaps and overlaps, texts of other shapes, in three session zones.
   */
  @Test
  void formattedTextsReadAsTheFormatReadsThem() {
    SparkSession spark = TestSpark.session();
    Random random = new Random(11);
    List<String> texts = new ArrayList<>(List.of("2025-03-09 02:30:00", "2025-11-02 01:30:00", "2025-03-30 02:30:00",
        "2025-10-26 02:30:00", "2024-02-29 10:00:00", "2025-02-29 10:00:00", "2025-04-31 10:00:00", "2025-13-01 10:00:00",
        "2025-00-10 10:00:00", "2025-01-00 10:00:00", "2025-01-01 24:00:00", "2025-01-01 23:60:00", "2025-01-01 23:59:60",
        "0000-01-01 00:00:00", "0001-01-01 00:00:00", "9999-12-31 23:59:59", "1900-01-01 00:00:00", "1937-06-30 23:59:59",
        "2025-1-1 1:0:0", "2025-01-01", "2025-01-01 10:00", "2025-01-01 10:00:00.5", "2025-01-01T10:00:00",
        "2025-01-01 10:00:00Z", "+2025-01-01 10:00:00", "-2025-01-01 10:00:00", "2025/01/01 10:00:00", "", "x",
        "2025-01-01  10:00:00", "20250-01-01 10:00:00", "2025-01-01 10:00:00 "));
    for (int i = 0; i < 2000; i++) {
      texts.add(String.format("%04d-%02d-%02d %02d:%02d:%02d", 1850 + random.nextInt(250), random.nextInt(14),
          random.nextInt(33), random.nextInt(26), random.nextInt(62), random.nextInt(62)));
    }
    List<String> all = new ArrayList<>(texts);
    texts.forEach(t -> {
      all.add(t.replace(' ', 'T'));
      all.add(t.length() >= 10 ? t.substring(0, 10) : t);
    });
    String policy = spark.conf().get("spark.sql.legacy.timeParserPolicy");  // the sessions' CORRECTED
    for (String zone : List.of("UTC", "America/New_York", "Europe/Amsterdam", "Asia/Kolkata", "LEGACY")) {
      // the last round: the lenient legacy parser in UTC, which the fast path must leave alone
      spark.conf().set(zone.equals("LEGACY") ? "spark.sql.legacy.timeParserPolicy" : "spark.sql.session.timeZone", zone);
      try {
        Dataset<Row> v = spark.createDataset(all, Encoders.STRING()).toDF("v");
        for (String format : List.of("yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd")) {
          for (DataType type : List.of(DataTypes.TimestampType, DataTypes.DateType)) {
            Column spark35 = functions.try_to_timestamp(functions.col("v"), functions.lit(format));
            Dataset<Row> rows = v.select(functions.col("v"),
                type.equals(DataTypes.DateType) ? spark35.cast(DataTypes.DateType) : spark35,
                RecordValidator.withFormat(functions.col("v"), format, type));
            int read = 0;
            for (Row r : rows.collectAsList()) {
              assertEquals(r.get(1), r.get(2), "'" + r.getString(0) + "' as " + format + " " + type + " in " + zone);
              read += r.isNullAt(2) ? 0 : 1;
            }
            assertTrue(read > 500, format + " reads many of the texts: " + read);
          }
        }
      } finally {
        spark.conf().unset("spark.sql.session.timeZone");
        spark.conf().set("spark.sql.legacy.timeParserPolicy", policy);
      }
    }
  }
}
