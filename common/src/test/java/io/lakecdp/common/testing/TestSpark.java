package io.lakecdp.common.testing;

import io.lakecdp.common.spark.SparkSessions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/**
 * The one SparkSession of a test JVM: {@code local[2]}, UI off, loopback driver, few shuffle
 * partitions, and the Iceberg catalog {@code lake} on a temporary Hadoop warehouse. Tests keep apart
 * by using their own tenant names (each tenant has its own namespaces).
 */
public final class TestSpark {
  private static SparkSession spark;
  private static Path warehouse;

  private TestSpark() {}

  public static synchronized SparkSession session() {
    if (spark == null) {
      try {
        warehouse = Files.createTempDirectory("lakecdp-test-warehouse");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      SparkSession.Builder b = SparkSession.builder().master("local[2]").appName("lakecdp-tests")
          .config("spark.ui.enabled", "false")
          // One JVM runs hundreds of jobs: keep the status of the last few SQL executions, jobs and stages only.
          .config("spark.sql.ui.retainedExecutions", "50")
          .config("spark.ui.retainedJobs", "100")
          .config("spark.ui.retainedStages", "100")
          .config("spark.driver.host", "127.0.0.1")
          .config("spark.driver.bindAddress", "127.0.0.1")
          .config("spark.sql.shuffle.partitions", "4")
          .config("spark.default.parallelism", "4")
          .config("spark.sql.adaptive.enabled", "true")
          .config("spark.sql.catalog.lake", "org.apache.iceberg.spark.SparkCatalog")
          .config("spark.sql.catalog.lake.type", "hadoop")
          .config("spark.sql.catalog.lake.warehouse", warehouse.toString());
      SparkSessions.defaults().forEach(b::config);
      spark = b.getOrCreate();
    }
    return spark;
  }

  public static synchronized Path warehouse() {
    session();
    return warehouse;
  }
}
