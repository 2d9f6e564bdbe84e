package io.lakecdp.ingeststream;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.lakecdp.common.config.DataStream;
import io.lakecdp.common.config.StreamingSource;
import io.lakecdp.common.config.definition.TransformDefinition;
import io.lakecdp.common.job.InvalidInputException;
import io.lakecdp.common.job.JobContext;
import io.lakecdp.common.job.JobFailedException;
import io.lakecdp.common.job.JobResult;
import io.lakecdp.common.job.Json;
import io.lakecdp.common.lake.CommitKeys;
import io.lakecdp.common.lake.Lake;
import io.lakecdp.ingest.Formulas;
import io.lakecdp.ingest.IngestLedger;
import io.lakecdp.ingest.LandingFile;
import io.lakecdp.ingest.StreamIngest;
import io.lakecdp.ingest.StreamResult;
import io.lakecdp.ingest.Transforms;
import java.io.IOException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.streaming.DataStreamReader;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.apache.spark.sql.streaming.Trigger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streaming ingest: one Structured Streaming query per data stream (its landing folder, or its Kafka topic), each
 * micro-batch ingested by the batch ingest code (validation, quarantine, newest-wins upsert or delete) in one Iceberg
 * commit tagged with the query's id and the batch id. A batch retried after a crash finds its tag and is skipped, so
 * the DLO holds every record exactly once.
 */
public final class StreamingIngestJob {
  /** Snapshot summary key of the windowed-insight tables: the micro-batch that made the commit. */
  private static final Logger LOG = LoggerFactory.getLogger(StreamingIngestJob.class);
  private static final String QUERY_ID_PROPERTY = "sql.streaming.queryId";

  private final JobContext ctx;
  private final SparkSession spark;
  private final Lake lake;
  private final List<DataStream> streams;
  private final Trigger trigger;
  private final boolean continuous;
  private final String checkpointRoot;
  private final long stopAfterMs;
  private final Map<String, Totals> totals = new ConcurrentHashMap<>();
  private final AtomicBoolean stopRequested = new AtomicBoolean();
  private final CountDownLatch finished = new CountDownLatch(1);

  /** What one stream's query did in this run. */
  static final class Totals {
    long batches;
    long skippedBatches;
    long files;
    long records;
    long loaded;
    long quarantined;
    long deletes;
    long lastBatchMs;

    synchronized void add(StreamResult r) {
      batches++;
      files += r.files();
      records += r.recordsRead();
      loaded += r.rowsLoaded();
      quarantined += r.rowsQuarantined();
      deletes += r.rowsDeleted();
      lastBatchMs = r.durationMs();
    }

    synchronized Summary summary() {
      return new Summary(batches, skippedBatches, files, records, loaded, quarantined, deletes);
    }
  }

  /** A stream's totals in the run summary. */
  record Summary(long batches, @JsonProperty("batches_already_committed") long skippedBatches, long files,
      long records, long loaded, long quarantined, @JsonProperty("delete_requests") long deletes) {
  }

  /**
   * @param trigger {@code Trigger.AvailableNow()} (process what is there, then stop) or a processing-time trigger
   * @param stopAfterMs a continuous run stops gracefully after this long (0: until SIGTERM)
   */
  public StreamingIngestJob(JobContext ctx, List<DataStream> streams, Trigger trigger, boolean continuous,
      String checkpointRoot, long stopAfterMs) {
    this.ctx = ctx;
    this.spark = ctx.spark();
    this.lake = ctx.lake();
    this.streams = List.copyOf(streams);
    this.trigger = trigger;
    this.continuous = continuous;
    this.checkpointRoot = checkpointRoot != null ? checkpointRoot.replaceAll("/+$", "")
        : ctx.env().warehouse().replaceAll("/+$", "") + "/_checkpoints";
    this.stopAfterMs = stopAfterMs;
  }

  public JobResult run() {
    Formulas.check(spark, streams);
    new Transforms(ctx).checkStreaming(streamingTransforms(), ctx.tenant().streams());
    lake.ensureNamespace(ctx.tables().dloNamespace());
    Runnable hook = this::stopGracefully;
    // Runs before Spark's own shutdown hook (which stops the SparkContext): a SIGTERM lets the current
    // micro-batch finish and the run summary be written.
    org.apache.hadoop.util.ShutdownHookManager.get().addShutdownHook(hook, 100, 120, TimeUnit.SECONDS);
    List<StreamingQuery> queries = new ArrayList<>();
    try {
      for (DataStream stream : streams) {
        queries.add(start(stream));
      }
      await(queries);
    } finally {
      for (StreamingQuery q : queries) {
        stopQuietly(q);
      }
      finished.countDown();
      try {
        org.apache.hadoop.util.ShutdownHookManager.get().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // shutting down already: the hook is running
      }
    }
    Map<String, Object> details = new LinkedHashMap<>();
    long in = 0;
    long out = 0;
    long bad = 0;
    for (DataStream s : streams) {
      Totals t = totals.computeIfAbsent(s.name(), k -> new Totals());
      details.put(s.name(), Json.fields(t.summary()));
      in += t.records;
      out += t.loaded;
      bad += t.quarantined;
    }
    details.put("trigger", continuous ? "processing-time" : "available-now");
    details.put("stopped_by_signal", stopRequested.get() && stopAfterMs == 0);
    return JobResult.of(in, out, bad, details);
  }

  private StreamingQuery start(DataStream stream) {
    StreamingSource source = stream.streaming();
    String checkpoint = source != null && source.checkpoint() != null ? source.checkpoint()
        : checkpointRoot + "/" + ctx.tenant().name() + "/" + stream.name();
    StreamIngest ingest = new StreamIngest(ctx, stream);
    Dataset<Row> input;
    VoidFunction2<Dataset<Row>, Long> batch;
    if (stream.isKafka()) {
      DataStreamReader r = spark.readStream().format("kafka")
          .option("kafka.bootstrap.servers", source.bootstrapServers())
          .option("subscribe", source.topic())
          .option("startingOffsets", source.startingOffsets());
      if (source.maxPerTrigger() > 0) {
        r = r.option("maxOffsetsPerTrigger", source.maxPerTrigger());
      }
      for (Map.Entry<String, String> o : source.kafkaOptions().entrySet()) {
        r = r.option(o.getKey().startsWith("kafka.") || o.getKey().equals("failOnDataLoss") ? o.getKey()
            : "kafka." + o.getKey(), o.getValue());
      }
      input = r.load();
      batch = (df, id) -> kafkaBatch(stream, ingest, df, id);
      LOG.info("Stream {}: Kafka topic {} at {} -> {} (checkpoint {})", stream.name(), source.topic(),
          source.bootstrapServers(), ctx.tables().dlo(stream.name()), checkpoint);
    } else {
      ensureFolder(stream.path());
      // The file source lists new files (its own log in the checkpoint); the file contents are read by batch ingest's
      // reader, so only the listing columns are selected (binaryFile then reads no content).
      DataStreamReader r = spark.readStream().format("binaryFile")
          .schema("path STRING, modificationTime TIMESTAMP, length BIGINT, content BINARY")
          .option("recursiveFileLookup", "true");
      if (source != null && source.maxPerTrigger() > 0) {
        r = r.option("maxFilesPerTrigger", source.maxPerTrigger());
      }
      input = r.load(stream.path()).select("path", "length", "modificationTime");
      batch = (df, id) -> folderBatch(stream, ingest, df, id);
      LOG.info("Stream {}: landing folder {} -> {} (checkpoint {})", stream.name(), stream.path(),
          ctx.tables().dlo(stream.name()), checkpoint);
    }
    try {
      return input.writeStream().queryName("lakecdp-" + ctx.tenant().name() + "-" + stream.name())
          .option("checkpointLocation", checkpoint).trigger(trigger).foreachBatch(batch).start();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("Stream " + stream.name() + ": the query did not start: " + e.getMessage(), e);
    }
  }

  private void folderBatch(DataStream stream, StreamIngest ingest, Dataset<Row> df, long id) {
    String batchId = batchId(stream, id);
    if (ingest.committed(batchId)) {
      skipped(stream, batchId);
      return;
    }
    List<LandingFile> files = new ArrayList<>();
    for (Row r : df.collectAsList()) {
      long length = r.getLong(1);
      if (length > 0) {
        files.add(new LandingFile(r.getString(0), length, ((Timestamp) r.get(2)).getTime(), false));
      }
    }
    files.sort(Comparator.comparing(LandingFile::path));
    List<LandingFile> fresh = ingest.notIngested(files);
    if (fresh.size() < files.size()) {
      LOG.info("Stream {}: {} of the batch's files were already ingested (by dlo-write or an earlier run)", stream.name(),
          files.size() - fresh.size());
    }
    if (fresh.isEmpty()) {
      return;
    }
    record(stream, ingest.ingestFiles(fresh, List.of(), batchId, tags(stream, id), insight(stream, batchId)), id);
  }

  private void kafkaBatch(DataStream stream, StreamIngest ingest, Dataset<Row> df, long id) {
    String batchId = batchId(stream, id);
    if (ingest.committed(batchId)) {
      skipped(stream, batchId);
      return;
    }
    Dataset<Row> raw = df.select(
        functions.concat(functions.lit("kafka://"), functions.col("topic"), functions.lit("/"), functions.col("partition"))
            .as("_file"),
        functions.col("offset").as("_offset"), functions.col("value").as("_value"),
        functions.col("key").cast("string").as("_kafka_key"), functions.col("topic").as("_kafka_topic"),
        functions.col("partition").as("_kafka_partition"), functions.col("offset").as("_kafka_offset"),
        functions.col("timestamp").as("_kafka_timestamp"));
    record(stream, ingest.ingestRecords(StreamIngest.jsonRecords(spark, stream, raw), batchId, tags(stream, id),
        insight(stream, batchId)), id);
  }

  private void record(DataStream stream, StreamResult r, long id) {
    totals.computeIfAbsent(stream.name(), k -> new Totals()).add(r);
    LOG.info("Stream {}: micro-batch {} done: {} records, {} loaded, {} quarantined, {} ms", stream.name(), id,
        r.recordsRead(), r.rowsLoaded(), r.rowsQuarantined(), r.durationMs());
  }

  private void skipped(DataStream stream, String batchId) {
    Totals t = totals.computeIfAbsent(stream.name(), k -> new Totals());
    synchronized (t) {
      t.skippedBatches++;
    }
    LOG.info("Stream {}: micro-batch {} is already in the DLO (committed before a restart); skipped", stream.name(), batchId);
  }

  /** {@code <query id>:<batch id>}: the query id lives in the checkpoint, so a retried batch has the same id. */
  private String batchId(DataStream stream, long id) {
    String query = spark.sparkContext().getLocalProperty(QUERY_ID_PROPERTY);
    return (query == null ? stream.name() : query) + ":" + id;
  }

  private static Map<String, String> tags(DataStream stream, long id) {
    return Map.of(CommitKeys.STREAM_BATCH_NUMBER, Long.toString(id));
  }

  /**
   * What each batch's valid rows feed besides the DLO, each in a commit of its own (exactly once too): the stream's
   * windowed insight and its streaming transforms.
   */
  private java.util.function.Consumer<Dataset<Row>> insight(DataStream stream, String batchId) {
    java.util.function.Consumer<Dataset<Row>> windowed = windowedInsight(stream, batchId);
    List<TransformDefinition> transforms = streamingTransforms().stream()
        .filter(t -> t.stream().equals(stream.name())).toList();
    if (transforms.isEmpty()) {
      return windowed;
    }
    // streaming transforms commit before the DLO does, each recording the batch: a replayed batch skips them
    java.util.function.Consumer<Dataset<Row>> transform = good -> {
      for (TransformDefinition t : transforms) {
        new Transforms(ctx).applyToBatch(t, stream, good, batchId);
      }
    };
    return windowed == null ? transform : windowed.andThen(transform);
  }

  /** The tenant's streaming transforms over the streams this run ingests. */
  private List<TransformDefinition> streamingTransforms() {
    List<String> names = streams.stream().map(DataStream::name).toList();
    return ctx.tenant().transforms().stream().filter(t -> t.streaming() && names.contains(t.stream())).toList();
  }

  private java.util.function.Consumer<Dataset<Row>> windowedInsight(DataStream stream, String batchId) {
    StreamingSource.WindowedInsight w = stream.streaming() == null ? null : stream.streaming().insight();
    if (w == null) {
      return null;
    }
    return good -> {
      String table = ctx.tables().cio(w.name());
      lake.ensureNamespace(ctx.tables().namespace("cio"));
      spark.sql("CREATE TABLE IF NOT EXISTS " + table + " (`" + w.key() + "` STRING, window_start TIMESTAMP, "
          + "window_end TIMESTAMP, events BIGINT, updated_at TIMESTAMP) USING iceberg "
          + "TBLPROPERTIES ('format-version'='2', 'lakecdp.window'='" + w.window() + "', 'lakecdp.stream'='"
          + stream.name() + "')");
      if (IngestLedger.hasStreamBatch(lake, ctx.tables(), table, batchId)) {
        return;
      }
      Dataset<Row> counts = good.filter(functions.col(w.key()).isNotNull().and(functions.col(w.timestamp()).isNotNull()))
          .groupBy(functions.col(w.key()).cast("string").as("k"), functions.window(functions.col(w.timestamp()), w.window()))
          .agg(functions.count("*").as("events"))
          .select(functions.col("k"), functions.col("window.start").as("window_start"),
              functions.col("window.end").as("window_end"), functions.col("events"));
      String view = "lakecdp_insight_" + stream.name();
      counts.createOrReplaceTempView(view);
      lake.commitWith(Map.of(CommitKeys.STREAM_BATCH, batchId, CommitKeys.RUN_ID, ctx.runId(), CommitKeys.JOB, ctx.job()), () -> spark.sql(
          "MERGE INTO " + table + " t USING " + view + " s ON t.`" + w.key() + "` = s.k AND t.window_start = s.window_start "
              + "WHEN MATCHED THEN UPDATE SET t.events = t.events + s.events, t.updated_at = current_timestamp() "
              + "WHEN NOT MATCHED THEN INSERT (`" + w.key() + "`, window_start, window_end, events, updated_at) "
              + "VALUES (s.k, s.window_start, s.window_end, s.events, current_timestamp())"));
      spark.catalog().dropTempView(view);
    };
  }

  private void await(List<StreamingQuery> queries) {
    long deadline = stopAfterMs > 0 ? System.currentTimeMillis() + stopAfterMs : Long.MAX_VALUE;
    while (true) {
      boolean allDone = true;
      for (StreamingQuery q : queries) {
        if (q.exception().isDefined()) {
          fail(q, q.exception().get(), queries);
        }
        allDone &= !q.isActive();
      }
      if (allDone) {
        return;
      }
      if (stopRequested.get() || System.currentTimeMillis() >= deadline) {
        stopRequested.set(true);
        LOG.info("Stopping {} stream(s) after their current micro-batch", queries.size());
        for (StreamingQuery q : queries) {
          finishCurrentBatch(q);
        }
        continue;
      }
      try {
        spark.streams().awaitAnyTermination(1000);
        spark.streams().resetTerminated();
      } catch (StreamingQueryException e) {
        // the loop reads each query's exception
        spark.streams().resetTerminated();
      }
    }
  }

  private void fail(StreamingQuery q, StreamingQueryException e, List<StreamingQuery> all) {
    all.forEach(StreamingIngestJob::stopQuietly);
    Throwable cause = e.cause();
    while (cause != null && !(cause instanceof InvalidInputException) && cause.getCause() != null
        && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    if (cause instanceof InvalidInputException iie) {
      throw new InvalidInputException(q.name() + " stopped: " + iie.getMessage());
    }
    throw new JobFailedException(q.name() + " failed: " + (e.cause() == null ? e.getMessage() : e.cause().toString()), null);
  }

  /** Waits (at most a minute) for the query's running micro-batch to commit, then stops it. */
  private static void finishCurrentBatch(StreamingQuery q) {
    long until = System.currentTimeMillis() + 60_000;
    while (q.isActive() && q.status().isTriggerActive() && System.currentTimeMillis() < until) {
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    stopQuietly(q);
  }

  private void stopGracefully() {
    if (finished.getCount() == 0) {
      return;
    }
    LOG.info("Termination signal: finishing the current micro-batch of each stream, then stopping");
    stopRequested.set(true);
    // The main thread stops the queries, writes the run summary and the job_runs row, and stops Spark; the JVM then
    // ends with the job's exit code.
    io.lakecdp.common.job.JobMain.awaitExitAndHalt(110);
  }

  private static void stopQuietly(StreamingQuery q) {
    try {
      if (q.isActive()) {
        q.stop();
      }
    } catch (Exception e) {
      LOG.warn("Could not stop {}: {}", q.name(), e.getMessage());
    }
  }

  private void ensureFolder(String folder) {
    try {
      Path p = new Path(folder);
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(p)) {
        fs.mkdirs(p);
      }
    } catch (IOException e) {
      throw new IllegalStateException("Cannot reach landing folder " + folder + ": " + e.getMessage(), e);
    }
  }
}
