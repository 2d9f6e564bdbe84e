package io.lakecdp.common.spark;

import io.lakecdp.common.config.EnvConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place a SparkSession is made. It wires the Iceberg extensions and the catalog from the
 * environment file, then applies the environment's Spark settings; settings given to spark-submit
 * ({@code --conf}) win over both. Without a master (plain {@code java}), it runs {@code local[*]}.
 */
public final class SparkSessions {
  private static final String CACHE_COMPRESSED = "spark.sql.inMemoryColumnarStorage.compressed";
  private static final Logger LOG = LoggerFactory.getLogger(SparkSessions.class);

  private SparkSessions() {}

  /** Settings lakecdp relies on, before the environment's own. */
  public static Map<String, String> defaults() {
    Map<String, String> out = new LinkedHashMap<>();
    out.put("spark.sql.extensions", "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions,"
        + io.lakecdp.common.sql.CdpSqlExtensions.class.getName());
    out.put("spark.sql.session.timeZone", "UTC");
    out.put("spark.sql.legacy.timeParserPolicy", "CORRECTED");
    out.put("spark.sql.sources.partitionOverwriteMode", "dynamic");
    return out;
  }

  /**
   * Runs {@code work} with the datasets it persists cached without Spark's column compression, and restores the
   * setting after. For caches that live one batch or one run: the dictionary encoding of mostly unique values (ids,
   * offsets, hashes) costs more time than the memory it saves. The setting is the session's, so a query running
   * in the same session at that moment caches uncompressed too.
   */
  public static <T> T withUncompressedCaches(SparkSession spark, java.util.function.Supplier<T> work) {
    String compressed = spark.conf().get(CACHE_COMPRESSED, "true");
    spark.conf().set(CACHE_COMPRESSED, "false");
    try {
      return work.get();
    } finally {
      spark.conf().set(CACHE_COMPRESSED, compressed);
    }
  }

  /** A session without the lake catalog, for tools that read and write plain files. */
  public static SparkSession withoutCatalog(String appName) {
    return build(appName, defaults());
  }

  public static SparkSession create(EnvConfig env, String appName) {
    Map<String, String> settings = new LinkedHashMap<>(defaults());
    settings.putAll(env.catalogSparkSettings());
    settings.putAll(env.sparkSettings());
    SparkSession spark = build(appName, settings);
    SparkConf submitted = new SparkConf();
    String key = "spark.sql.catalog." + env.catalogName() + ".warehouse";
    String actual = spark.conf().get(key, null);
    if (actual != null && !actual.equals(settings.get(key)) && !submitted.contains(key)) {
      LOG.warn("Catalog {} already uses warehouse {}; the environment asked for {}", env.catalogName(), actual, settings.get(key));
    }
    LOG.info("Spark {} session '{}' master={} catalog={} ({}) warehouse={}", spark.version(), appName,
        spark.sparkContext().master(), env.catalogName(), env.catalogType().name().toLowerCase(), actual);
    return spark;
  }

  /** Settings given to spark-submit win; without a master (plain java) the session runs local[*]. */
  private static SparkSession build(String appName, Map<String, String> settings) {
    SparkConf submitted = new SparkConf();
    SparkSession.Builder builder = SparkSession.builder().appName(appName);
    if (!submitted.contains("spark.master")) {
      builder.master("local[*]");
    }
    settings.forEach((k, v) -> {
      if (!submitted.contains(k)) {
        builder.config(k, v);
      }
    });
    // lakecdp's SQL functions are part of its contract: kept when spark-submit or spark-defaults name other extensions
    String ours = io.lakecdp.common.sql.CdpSqlExtensions.class.getName();
    String extensions = submitted.get("spark.sql.extensions", null);
    if (extensions != null && !java.util.Arrays.asList(extensions.split("\\s*,\\s*")).contains(ours)) {
      builder.config("spark.sql.extensions", extensions + "," + ours);
    }
    return builder.getOrCreate();
  }
}
