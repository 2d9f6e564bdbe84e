package io.lakecdp.common.lake;

/**
 * Every {@code lakecdp.*} key lakecdp writes into Iceberg snapshot summaries and table properties. Reruns, skips and
 * the ingest ledger read them back, so each is spelled here once.
 */
public final class CommitKeys {
  /** Summary: the run id of the job that made the commit (a rerun of the same run id is a no-op). */
  public static final String RUN_ID = "lakecdp.run-id";
  /** Summary: the job that made the commit. */
  public static final String JOB = "lakecdp.job";
  /** Summary: content fingerprint of everything a derived table was computed from (skip if unchanged). */
  public static final String INPUTS = "lakecdp.inputs";
  /**
   * Summary (identity resolution, on the link table): what the next run may build on, as {@code key=value} words:
   * the configuration's and model's SHA-256 and the snapshot this run left in each other table it keeps state in.
   */
  public static final String RESOLUTION_STATE = "lakecdp.resolution-state";
  /** Summary (ingest): the data stream a commit belongs to. */
  public static final String STREAM = "lakecdp.stream";
  /** Summary (ingest): the batch id that made the commit (exactly-once per batch). */
  public static final String BATCH_ID = "lakecdp.batch-id";
  /** Summary (ingest): the landing files a commit consumed, the ledger that keeps reruns from ingesting twice. */
  public static final String INGESTED_FILES = "lakecdp.ingested-files";
  /** Summary (streaming ingest): the streaming query's micro-batch a windowed insight MERGE belongs to. */
  public static final String STREAM_BATCH = "lakecdp.stream-batch";
  /** Summary (streaming ingest): the micro-batch number of a DLO commit. */
  public static final String STREAM_BATCH_NUMBER = "lakecdp.stream-batch-number";
  /**
   * Summary (segmentation): the segments a publish wrote; {@code lakecdp.inputs.<segment>} holds each one's
   * fingerprint.
   */
  public static final String SEGMENTS = "lakecdp.segments";
  /** Summary (segmentation): the segments of a publish left as they were (inputs unchanged). */
  public static final String SEGMENTS_SKIPPED = "lakecdp.segments-skipped";
  /** Table property (DLO): the primary key fields. */
  public static final String PRIMARY_KEY = "lakecdp.primary-key";
  /** Table property (DLO): the refresh mode. */
  public static final String REFRESH = "lakecdp.refresh";

  private CommitKeys() {}
}
