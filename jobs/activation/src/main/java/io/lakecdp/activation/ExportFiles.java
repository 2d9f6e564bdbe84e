package io.lakecdp.activation;

import io.lakecdp.common.job.JobContext;
import io.lakecdp.common.job.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;

/**
 * The files of a delivery: members and removals written in the activation's format into the staging folder, the
 * rows of each staged file read back from the file itself, and the manifest that lists them (written last, read on a
 * rerun of a run that delivered).
 */
final class ExportFiles {
  private static final String MEMBER = ActivationJob.MEMBER;

  private final JobContext ctx;
  private final SparkSession spark;

  ExportFiles(JobContext ctx) {
    this.ctx = ctx;
    this.spark = ctx.spark();
  }

  /** Writes rows in the activation's format; returns how many. Files hold at most maxRowsPerFile rows. */
  long write(ActivationDefinition a, Dataset<Row> rows, Path dir, long knownCount) {
    // rows of unknown count (an incremental delta) are computed once, counted, then written
    Dataset<Row> persisted = knownCount >= 0 ? rows : rows.persist(StorageLevel.MEMORY_AND_DISK());
    try {
      long count = knownCount >= 0 ? knownCount : persisted.count();
      int files = (int) Math.max(1, Math.min(10_000, (count + a.maxRowsPerFile() - 1) / a.maxRowsPerFile()));
      save(a, persisted.coalesce(files), dir);
      return count;
    } finally {
      if (knownCount < 0) {
        persisted.unpersist();
      }
    }
  }

  /**
   * Writes rows as they are partitioned, each file split at maxRowsPerFile. Rows whose count is not known yet (the one
   * pass that computes them) cannot be coalesced first: their files follow the partitions adaptive execution sized.
   */
  static void save(ActivationDefinition a, Dataset<Row> rows, Path dir) {
    var writer = rows.write().mode(SaveMode.Overwrite).option("maxRecordsPerFile", a.maxRowsPerFile());
    switch (a.format()) {
      case CSV -> writer.option("header", "true").option("compression", a.gzip() ? "gzip" : "none")
          .option("timestampFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX").csv(dir.toString());
      case NDJSON -> writer.option("compression", a.gzip() ? "gzip" : "none")
          .option("timestampFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX").json(dir.toString());
      case PARQUET -> writer.parquet(dir.toString());
    }
  }

  /** Rows in each staged file, read back from the staged files themselves. */
  Map<String, Long> rowsPerFile(ActivationDefinition a, List<Path> staged, Path root) {
    Map<String, Long> out = new LinkedHashMap<>();
    if (staged.isEmpty()) {
      return out;
    }
    String[] paths = staged.stream().map(Path::toString).toArray(String[]::new);
    var reader = spark.read();
    Dataset<Row> read = switch (a.format()) {
      case CSV -> reader.option("header", "true").schema("member_id STRING").csv(paths);
      case NDJSON -> reader.schema("member_id STRING").json(paths);
      case PARQUET -> reader.parquet(paths).select(MEMBER);
    };
    for (Row r : read.groupBy(functions.col("_metadata.file_name")).count().collectAsList()) {
      out.put(r.getString(0), r.getLong(1));
    }
    for (Path p : staged) {
      out.putIfAbsent(p.getName(), 0L);
    }
    return out;
  }

  String manifest(ActivationDefinition a, String refresh, long rows, long removals,
      List<Delivery.StagedFile> files, Map<String, Long> rowsPerFile, MemberSelection.Members m) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("activation", a.id());
    doc.put("tenant", ctx.tenant().name());
    doc.put("segment", a.segment());
    doc.put("run_id", ctx.runId());
    doc.put("refresh", refresh);
    doc.put("format", a.format().name().toLowerCase());
    doc.put("gzip", a.gzip());
    doc.put("hashed", a.hashing());
    List<String> columns = new ArrayList<>();
    columns.add(MEMBER);
    columns.addAll(a.columns());
    doc.put("columns", columns);
    doc.put("rows", rows);
    doc.put("removals", removals);
    doc.put("skipped_consent", m.skippedConsent());
    doc.put("skipped_no_contact_point", m.skippedNoContactPoint());
    doc.put("holdout", m.holdout());
    doc.put("definition_hash", a.definitionHash());
    doc.put("created_at", Instant.now().toString());
    List<Map<String, Object>> list = new ArrayList<>();
    for (Delivery.StagedFile f : files) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("path", f.name());
      e.put("kind", f.name().startsWith("removals/") ? "removals" : "members");
      e.put("rows", rowsPerFile.getOrDefault(f.name().substring(f.name().lastIndexOf('/') + 1), 0L));
      e.put("bytes", f.bytes());
      e.put("sha256", f.sha256());
      list.add(e);
    }
    doc.put("files", list);
    try {
      return Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(doc);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @SuppressWarnings("unchecked")
  Map<String, Object> readManifest(Path runTarget) {
    try (java.io.InputStream in = runTarget.getFileSystem(spark.sparkContext().hadoopConfiguration())
        .open(new Path(runTarget, Delivery.MANIFEST))) {
      return Json.mapper().readValue(in, Map.class);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the manifest in " + runTarget + ": " + e.getMessage(), e);
    }
  }

  static String extension(ActivationDefinition a) {
    return switch (a.format()) {
      case CSV -> a.gzip() ? ".csv.gz" : ".csv";
      case NDJSON -> a.gzip() ? ".ndjson.gz" : ".ndjson";
      case PARQUET -> ".parquet";
    };
  }
}
