package io.lakecdp.ingest;

import io.lakecdp.common.config.DataStream;
import io.lakecdp.common.config.FieldSpec;
import io.lakecdp.common.config.RefreshMode;
import io.lakecdp.common.config.SchemaEvolution;
import io.lakecdp.common.job.CrashPoints;
import io.lakecdp.common.job.InvalidInputException;
import io.lakecdp.common.job.JobContext;
import io.lakecdp.common.lake.CommitKeys;
import io.lakecdp.common.lake.Lake;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotRef;
import org.apache.iceberg.Table;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF5;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ingests the new landing files of one data stream into its DLO: read, validate, quarantine the bad
 * records, then one Iceberg commit that both changes the table and records the files it consumed.
 * Reusable by streaming ingest through {@link #applyBatch}.
 */
public final class StreamIngest {
  private static final Logger LOG = LoggerFactory.getLogger(StreamIngest.class);
  private static final String OP = "__op";
  private static final String PRIO = "__prio";
  private static final String COUNTED = "__counted";
  /**
   * Batches of at most this many valid records check their keys' uniqueness by 64-bit key hashes gathered on the
   * driver (8 bytes a record, {@link BatchSummary}); larger ones count the records of every key in a shuffle.
   */
  static final long MAX_KEY_HASHES = 8_000_000;
  /** The Spark setting that changes {@link #MAX_KEY_HASHES}. */
  static final String MAX_KEY_HASHES_CONF = "spark.lakecdp.ingest.maxKeyHashes";
  /** The Spark setting that turns the one-pass load of a batch into an empty DLO off ({@link #appendDirect}). */
  static final String DIRECT_APPEND_CONF = "spark.lakecdp.ingest.directAppend";
  /**
   * The most characters of rejected records (raw text, file, reason) a one-pass load keeps in memory for the
   * quarantine, over all partitions; a batch with more reads them again from its files.
   */
  static final long QUARANTINE_IN_MEMORY_CHARS = 16L << 20;
  /** The Spark setting that changes {@link #QUARANTINE_IN_MEMORY_CHARS}. */
  static final String QUARANTINE_IN_MEMORY_CONF = "spark.lakecdp.ingest.quarantineInMemoryChars";
  /** Columns of the rejected records a one-pass load kept: what {@link Quarantine#write} reads. */
  private static final org.apache.spark.sql.types.StructType REJECTED = new org.apache.spark.sql.types.StructType(
      new org.apache.spark.sql.types.StructField[] {SourceReader.DSO_SCHEMA.apply(SourceReader.FILE),
          SourceReader.DSO_SCHEMA.apply(SourceReader.OFFSET), SourceReader.DSO_SCHEMA.apply(SourceReader.RAW)})
      .add(RecordValidator.REASON, DataTypes.StringType);
  /** The Iceberg branch a one-pass load writes to before it is published. */
  static final String STAGE_BRANCH = "lakecdp_stage";

  private final JobContext ctx;
  private final SparkSession spark;
  private final Lake lake;
  private final DataStream stream;
  private final String table;

  public StreamIngest(JobContext ctx, DataStream stream) {
    this.ctx = ctx;
    this.spark = ctx.spark();
    this.lake = ctx.lake();
    this.stream = stream;
    this.table = ctx.tables().dlo(stream.name());
  }

  public StreamResult run() {
    long start = System.currentTimeMillis();
    IngestLedger ledger = IngestLedger.read(lake, ctx.tables(), table);
    if (ledger.committedBy(ctx.runId())) {
      LOG.info("Stream {}: run {} already committed its batch to {}; nothing to do", stream.name(), ctx.runId(), table);
      return new StreamResult(stream.name(), "already_committed", 0, 0, 0, 0, 0, List.of(), elapsed(start), null, null);
    }
    LandingScanner scanner = new LandingScanner(spark.sparkContext().hadoopConfiguration());
    List<LandingFile> data = pending(scanner.list(stream.path(), false), ledger);
    List<LandingFile> deletes = stream.deletesPath() == null ? List.of() : pending(scanner.list(stream.deletesPath(), true), ledger);
    if (data.isEmpty() && deletes.isEmpty()) {
      LOG.info("Stream {}: no new files in {}", stream.name(), stream.path());
      return new StreamResult(stream.name(), "up_to_date", 0, 0, 0, 0, 0, List.of(), elapsed(start), null, null);
    }
    return ingestFiles(data, deletes, ctx.runId() + ":" + stream.name(), Map.of(), null);
  }

  /** The files of this list that no commit of the DLO has ingested yet (by batch or streaming ingest). */
  public List<LandingFile> notIngested(List<LandingFile> files) {
    return pending(files, IngestLedger.read(lake, ctx.tables(), table));
  }

  /** Whether a commit of the DLO carries this batch id (live, or folded into the ledger): the batch is in the table. */
  public boolean committed(String batchId) {
    return IngestLedger.hasBatch(lake, ctx.tables(), table, IngestLedger.BATCH, batchId);
  }

  /**
   * Ingests landing files as one batch: read, validate, quarantine the bad records, then one commit that
   * changes the DLO and records the files and {@code batchId} (plus {@code tags}) in its summary.
   *
   * @param onValid called with the valid rows before the DLO commit (a streaming insight), or null
   */
  public StreamResult ingestFiles(List<LandingFile> data, List<LandingFile> deletes, String batchId,
      Map<String, String> tags, Consumer<Dataset<Row>> onValid) {
    long start = System.currentTimeMillis();
    LOG.info("Stream {}: {} new data file(s), {} new delete file(s), {} bytes", stream.name(), data.size(),
        deletes.size(), data.stream().mapToLong(LandingFile::length).sum() + deletes.stream().mapToLong(LandingFile::length).sum());

    ctx.step("reading and validating " + stream.name());
    SourceReader reader = new SourceReader(spark);
    Dataset<Row> validated = null;
    List<String> columns = List.of();
    if (!data.isEmpty()) {
      SourceReader.Dso dso = reader.read(stream, stream.format(), data);
      columns = dso.columns();
      validated = RecordValidator.validate(dso, stream).withColumn(OP, opColumn()).withColumn(PRIO, functions.lit(0));
    }
    if (!deletes.isEmpty()) {
      DataStream keysOnly = keysOnly(stream);
      Dataset<Row> del = RecordValidator.validate(reader.read(keysOnly, stream.deletesFormat(), deletes), keysOnly)
          .withColumn(SourceReader.VALUES, functions.lit(null).cast(DataTypes.createArrayType(DataTypes.StringType)));
      for (FieldSpec f : stream.fieldList()) {
        if (!keysOnly.fields().containsKey(f.name())) {
          del = del.withColumn(f.name(), functions.lit(null).cast(f.type()));
        }
      }
      del = del.withColumn(OP, functions.lit("D")).withColumn(PRIO, functions.lit(1));
      validated = validated == null ? del : validated.unionByName(del, true);
    }
    List<LandingFile> consumed = new ArrayList<>(data);
    consumed.addAll(deletes);
    return ingestValidated(validated, consumed, columns, batchId, tags, onValid, !deletes.isEmpty(), start);
  }

  /**
   * Ingests records already in the Data Source Object shape ({@link #DSO_SCHEMA}, plus any {@code _kafka_*}
   * system columns), such as a micro-batch of Kafka messages, as one batch.
   */
  public StreamResult ingestRecords(Dataset<Row> records, String batchId, Map<String, String> tags,
      Consumer<Dataset<Row>> onValid) {
    long start = System.currentTimeMillis();
    List<String> declared = stream.sourceFields().stream().map(FieldSpec::sourceName).toList();
    Dataset<Row> validated = RecordValidator.validate(new SourceReader.Dso(records, declared), stream)
        .withColumn(OP, opColumn()).withColumn(PRIO, functions.lit(0));
    return ingestValidated(validated, List.of(), declared, batchId, tags, onValid, false, start);
  }

  /** Parses raw JSON records (Kafka values) into the DSO shape with the stream's parser; see {@link #DSO_SCHEMA}. */
  public static Dataset<Row> jsonRecords(SparkSession spark, DataStream stream, Dataset<Row> raw) {
    return SourceReader.jsonRecords(spark, stream, raw);
  }

  /** Columns of a Data Source Object row: source (file or topic/partition), offset, raw text, parse error, values. */
  public static final org.apache.spark.sql.types.StructType DSO_SCHEMA = SourceReader.DSO_SCHEMA;

  private StreamResult ingestValidated(Dataset<Row> validated, List<LandingFile> consumed, List<String> columns,
      String batchId, Map<String, String> tags, Consumer<Dataset<Row>> onValid, boolean deleteFiles, long start) {
    if (lake.exists(table)) {
      // a one-pass load killed before it published left its branch (and the data files it holds): whichever way
      // this batch goes, the branch goes first, so no copy of the rows outlives the run that wrote it
      dropStage(lake.table(table));
    }
    List<String> schemaChanges = List.of();
    if (onValid == null && !deleteFiles && stream.refresh() == RefreshMode.UPSERT
        && Boolean.parseBoolean(spark.conf().get(DIRECT_APPEND_CONF, "true"))) {
      Direct direct = appendDirect(validated, consumed, columns, batchId, tags, start);
      if (direct.result() != null) {
        return direct.result();
      }
      schemaChanges = direct.schemaChanges();
    }
    List<String> earlierChanges = schemaChanges;
    // The batch is read once and used two or three times (counts, quarantine, the write); it is cached without
    // Spark's column compression, whose dictionary encoding of unique values (offsets, keys) costs more than
    // the memory it saves for a batch that lives a few seconds.
    return io.lakecdp.common.spark.SparkSessions.withUncompressedCaches(spark, () -> {
      Dataset<Row> cached = validated.persist(StorageLevel.MEMORY_AND_DISK());
      try {
        return ingest(cached, consumed, columns, batchId, tags, onValid, earlierChanges, start);
      } finally {
        cached.unpersist();
      }
    });
  }

  /** @param schemaChanges columns a dropped one-pass load already added to the DLO */
  private StreamResult ingest(Dataset<Row> validated, List<LandingFile> consumed, List<String> columns, String batchId,
      Map<String, String> tags, Consumer<Dataset<Row>> onValid, List<String> schemaChanges, long start) {
    BatchSummary summary = BatchSummary.of(validated, functions.col(RecordValidator.REASON).isNull(),
        functions.col(OP).equalTo("D"), withExtraKeys(), stream.primaryKey(),
        Long.parseLong(spark.conf().get(MAX_KEY_HASHES_CONF, Long.toString(MAX_KEY_HASHES))));
    long total = summary.total;
    long bad = summary.rejected;
    long deleteRequests = summary.deletes;
    long withExtraKeys = summary.withExtraKeys;
    // Keys unique among the batch's valid records (upserts and delete requests): every row is already the newest
    // of its key, and the write needs no shuffle to pick it.
    boolean keyed = !stream.primaryKey().isEmpty();
    boolean counted = keyed && summary.keysDistinct() == null;
    boolean uniqueKeys = keyed && (counted ? mostPerKey(validated) <= 1 : summary.whyNotAsIs(true) == null);
    LOG.info("Stream {}: {} records read, {} valid, {} to quarantine{}", stream.name(), total, total - bad, bad,
        !keyed ? "" : (uniqueKeys ? "; keys unique in the batch" : "; some keys repeat in the batch, ordered by key")
            + (counted ? " (counted per key: too many records to compare key hashes on the driver)" : ""));
    Map<String, Column> extras = extraColumns(validated, columns, withExtraKeys > 0);
    List<String> changes = new ArrayList<>(schemaChanges);
    DloSchema.ensure(spark, lake, table, stream, List.copyOf(extras.keySet())).stream()
        .filter(c -> !changes.contains(c)).forEach(changes::add);
    if (bad > 0) {
      ctx.step("quarantining " + bad + " records of " + stream.name());
      Quarantine.write(spark, lake, ctx.tables().quarantine(), stream.name(), ctx.runId(),
          validated.filter(functions.col(RecordValidator.REASON).isNotNull()));
    }

    Map<String, String> commit = commitProperties(consumed, batchId, tags);

    Dataset<Row> good = validated.filter(functions.col(RecordValidator.REASON).isNull());
    if (onValid != null) {
      onValid.accept(good.filter(functions.col(OP).equalTo("U")));
    }
    long loaded = total - bad - deleteRequests;
    ctx.step((stream.refresh() == RefreshMode.UPSERT ? "merging into " : "replacing ") + table);
    applyBatch(good, extras, commit, bad > 0 && loaded == 0, uniqueKeys);
    markIfNoCommit(commit);
    LOG.info("Stream {}: committed {} rows ({} delete requests) from {} to {} in {} ms", stream.name(),
        loaded, deleteRequests, consumed.isEmpty() ? "batch " + batchId : consumed.size() + " file(s)", table, elapsed(start));
    return new StreamResult(stream.name(), "loaded", consumed.size(), total, loaded, bad, deleteRequests, changes,
        elapsed(start), null, "cached");
  }

  /**
   * Applies valid rows to the DLO in one commit carrying {@code commit} in its summary: the newest version
   * of each key is merged (or appended into an empty table), or the table is replaced (full refresh).
   */
  void applyBatch(Dataset<Row> good, Map<String, Column> extras, Map<String, String> commit, boolean keepTableOnEmpty,
      boolean uniqueKeys) {
    List<String> names = new ArrayList<>();
    Dataset<Row> rows = good.select(outputColumns(extras, names).toArray(new Column[0]));
    if (!stream.primaryKey().isEmpty() && !uniqueKeys) {
      rows = newestPerKey(rows);
    }
    if (stream.refresh() == RefreshMode.FULL_REFRESH) {
      Dataset<Row> replacement = rows.filter(functions.col(OP).equalTo("U"))
          .select(names.stream().map(n -> functions.col("`" + n + "`")).toArray(Column[]::new));
      if (keepTableOnEmpty) {
        LOG.warn("Stream {}: the batch has no valid rows; {} keeps its current contents", stream.name(), table);
        return;
      }
      lake.commitWith(commit, () -> {
        replacement.writeTo(table).overwrite(functions.lit(true));
        return null;
      });
      return;
    }
    if (isEmpty()) {
      Dataset<Row> inserts = rows.filter(functions.col(OP).equalTo("U"))
          .select(names.stream().map(n -> functions.col("`" + n + "`")).toArray(Column[]::new));
      lake.commitWith(commit, () -> {
        inserts.writeTo(table).append();
        return null;
      });
      return;
    }
    String view = "lakecdp_batch_" + stream.name();
    rows.createOrReplaceTempView(view);
    lake.commitWith(commit, () -> spark.sql(mergeSql(view, names)));
    spark.catalog().dropTempView(view);
  }

  /** The DLO's columns of a valid row, then the op, priority and offset; their DLO names are added to {@code names}. */
  private List<Column> outputColumns(Map<String, Column> extras, List<String> names) {
    List<Column> cols = new ArrayList<>();
    for (FieldSpec f : stream.fieldList()) {
      cols.add(functions.col(f.name()));
      names.add(f.name());
    }
    extras.forEach((column, value) -> {
      cols.add(value.as(column));
      names.add(column);
    });
    if (stream.isKafka()) {
      DloSchema.KAFKA_COLUMNS.forEach((name, type) -> {
        cols.add(functions.col(name));
        names.add(name);
      });
    }
    cols.add(functions.col(SourceReader.FILE).as(DloSchema.SOURCE_FILE));
    cols.add(functions.current_timestamp().as(DloSchema.INGESTED_AT));
    cols.add(functions.lit(ctx.runId()).as(DloSchema.RUN_ID));
    names.addAll(List.of(DloSchema.SOURCE_FILE, DloSchema.INGESTED_AT, DloSchema.RUN_ID));
    cols.add(functions.col(OP));
    cols.add(functions.col(PRIO));
    cols.add(functions.col(SourceReader.OFFSET));
    return cols;
  }

  private Map<String, String> commitProperties(List<LandingFile> consumed, String batchId, Map<String, String> tags) {
    Map<String, String> commit = new LinkedHashMap<>();
    commit.put(CommitKeys.RUN_ID, ctx.runId());
    commit.put(CommitKeys.JOB, ctx.job());
    commit.put(CommitKeys.STREAM, stream.name());
    commit.put(CommitKeys.BATCH_ID, batchId);
    if (!consumed.isEmpty()) {
      commit.put(CommitKeys.INGESTED_FILES, IngestLedger.encode(consumed));
    }
    commit.putAll(tags);
    return commit;
  }

  /**
   * Loads a batch into an empty DLO in one pass: the records are read, validated, counted and written at once, to an
   * Iceberg branch ({@value #STAGE_BRANCH}) that no reader and no ledger check sees. Once the counts show the batch
   * needs nothing a plain append cannot do (the keys of its upserts and delete requests distinct, so that a delete
   * request has nothing to delete; no new JSON fields to add), the
   * rejected records are quarantined and the DLO's main branch is fast-forwarded to the written snapshot, which
   * carries the batch's ledger entries, and the branch is removed, in one metadata commit. Otherwise the branch is
   * dropped and the batch goes the general way (read again and cached). A job killed before the fast-forward left
   * the DLO as it was; its rerun replaces the stale branch.
   *
   * @return the result, or none when the batch must take the general way (with the columns already added)
   */
  private Direct appendDirect(Dataset<Row> validated, List<LandingFile> consumed, List<String> columns,
      String batchId, Map<String, String> tags, long start) {
    if (lake.exists(table) && !isEmpty()) {
      return new Direct(null, List.of());
    }
    Map<String, Column> extras = extraColumns(validated, columns, false);
    // the stage branch of an existing DLO was removed by ingestValidated; a DLO created here has none
    List<String> changes = DloSchema.ensure(spark, lake, table, stream, List.copyOf(extras.keySet()));
    Table t = lake.table(table);
    List<String> key = stream.primaryKey();
    Column hash = BatchSummary.keyHash(key);
    long maxHashes = Long.parseLong(spark.conf().get(MAX_KEY_HASHES_CONF, Long.toString(MAX_KEY_HASHES)));
    int partitions = validated.javaRDD().getNumPartitions();
    long share = BatchSummary.share(!key.isEmpty(), maxHashes, partitions);
    long rejectBudget = Long.parseLong(spark.conf().get(QUARANTINE_IN_MEMORY_CONF,
        Long.toString(QUARANTINE_IN_MEMORY_CHARS))) / Math.max(1, partitions);
    BatchTally tally = new BatchTally(share, rejectBudget);
    spark.sparkContext().register(tally);
    UserDefinedFunction count = functions.udf((UDF5<Boolean, Boolean, Boolean, Long, Row, Boolean>)
        (ok, delete, undeclared, h, rejected) -> {
          tally.record(ok, delete, undeclared, h, rejected);
          return true;
        }, DataTypes.BooleanType).asNondeterministic();
    // The count is a column of its own, which the filter then reads: a non-deterministic projection stops the
    // optimizer from pushing the filter below it, which would inline (and so repeat) the parse and validation.
    // A rejected record also passes what the quarantine keeps of it (null for a valid one, which costs nothing).
    Column reason = functions.col(RecordValidator.REASON);
    Column rejectedRecord = functions.when(reason.isNotNull(), functions.struct(functions.col(SourceReader.FILE),
        functions.col(SourceReader.OFFSET), functions.col(SourceReader.RAW), reason));
    Dataset<Row> counted = validated.select(functions.col("*"), count.apply(reason.isNull(),
        functions.col(OP).equalTo("D"), withExtraKeys(), hash, rejectedRecord)
        .as(COUNTED));
    List<String> names = new ArrayList<>();
    Dataset<Row> inserts = counted.filter(functions.col(COUNTED).and(valid()))
        .select(outputColumns(extras, names).toArray(new Column[0]))
        .select(names.stream().map(n -> functions.col("`" + n + "`")).toArray(Column[]::new));
    Map<String, String> commit = commitProperties(consumed, batchId, tags);
    ctx.step("loading " + stream.name() + " into " + table + " (one pass, branch " + STAGE_BRANCH + ")");
    t.manageSnapshots().createBranch(STAGE_BRANCH).commit();
    lake.commitWith(commit, () -> {
      inserts.writeTo(table + ".branch_" + STAGE_BRANCH).append();
      return null;
    });
    BatchSummary summary = tally.summary();
    long total = summary.total;
    long bad = summary.rejected;
    // A delete request in an empty DLO deletes nothing, unless another record of the batch has its key: the keys of
    // upserts and delete requests together must be distinct, as for a write that skips ordering the rows by key.
    String fallback = summary.whyNotAsIs(!key.isEmpty());
    if (fallback == null && summary.withExtraKeys > 0 && stream.schemaEvolution() != SchemaEvolution.IGNORE) {
      fallback = "it has undeclared JSON fields";
    }
    if (fallback != null) {
      LOG.info("Stream {}: {} records read; the one-pass load is dropped because {}; loading it the general way",
          stream.name(), total, fallback);
      dropStage(lake.table(table));
      return new Direct(null, changes);
    }
    LOG.info("Stream {}: {} records read, {} valid, {} to quarantine{}", stream.name(), total, total - bad, bad,
        key.isEmpty() ? "" : "; keys unique in the batch");
    if (summary.withExtraKeys > 0) {
      LOG.warn("Stream {}: {} records have undeclared fields, which are ignored (schemaEvolution: ignore)",
          stream.name(), summary.withExtraKeys);
    }
    if (bad > 0) {
      // the rejected records the load kept, or (too many to keep) read again from the batch
      boolean kept = summary.rejectedRecords != null;
      LOG.info("Stream {}: quarantining {} records {}", stream.name(), bad, kept ? "kept by the load"
          : "read again from the batch (more than " + QUARANTINE_IN_MEMORY_CONF + " characters)");
      ctx.step("quarantining " + bad + " records of " + stream.name());
      Quarantine.write(spark, lake, ctx.tables().quarantine(), stream.name(), ctx.runId(), kept
          ? spark.createDataFrame(summary.rejectedRecords.stream().map(RowFactory::create).toList(), REJECTED)
          : validated.filter(reason.isNotNull()));
    }
    ctx.step("publishing " + table);
    try {
      lake.table(table).manageSnapshots().fastForwardBranch(SnapshotRef.MAIN_BRANCH, STAGE_BRANCH)
          .removeBranch(STAGE_BRANCH).commit();
    } catch (IllegalArgumentException | org.apache.iceberg.exceptions.CommitFailedException e) {
      // another writer committed to the DLO meanwhile: its main branch is no longer the staged write's parent
      LOG.warn("Stream {}: {} changed while the batch was staged ({}); loading it the general way", stream.name(),
          table, e.getMessage());
      dropStage(lake.table(table));
      return new Direct(null, changes);
    }
    CrashPoints.reached("publish " + table + " " + commit);
    markIfNoCommit(commit);
    long loaded = total - bad - summary.deletes;
    LOG.info("Stream {}: committed {} rows ({} delete requests, of keys not in the DLO) from {} to {} in {} ms",
        stream.name(), loaded, summary.deletes, consumed.isEmpty() ? "batch " + batchId : consumed.size() + " file(s)",
        table, elapsed(start));
    return new Direct(new StreamResult(stream.name(), "loaded", consumed.size(), total, loaded, bad, summary.deletes,
        changes, elapsed(start), null, "one_pass"), changes);
  }

  /** A one-pass load's outcome: its result, or none, with the columns it added to the DLO either way. */
  private record Direct(StreamResult result, List<String> schemaChanges) {}

  /**
   * Removes the staging branch a one-pass load left behind (a job killed before it published), which still holds the
   * rows it wrote; table maintenance calls it too, before it expires snapshots. A load still running when its branch
   * is removed finds it gone when it publishes, and loads its batch the general way.
   *
   * @return whether there was one
   */
  public static boolean dropStage(Table t) {
    t.refresh();
    if (!t.refs().containsKey(STAGE_BRANCH)) {
      return false;
    }
    LOG.info("Removing the unpublished branch {} of {}", STAGE_BRANCH, t.name());
    t.manageSnapshots().removeBranch(STAGE_BRANCH).commit();
    return true;
  }

  /**
   * The most valid records (upserts and delete requests) any one key has, counted over the keys alone (a far narrower
   * shuffle than the rows').
   */
  private long mostPerKey(Dataset<Row> validated) {
    ctx.step("counting the records of each key of " + stream.name());
    Row most = validated.filter(functions.col(RecordValidator.REASON).isNull())
        .groupBy(stream.primaryKey().stream().map(k -> functions.col("`" + k + "`")).toArray(Column[]::new))
        .count().agg(functions.max("count")).first();
    return most.isNullAt(0) ? 0 : most.getLong(0);
  }

  /** Whether a record has keys its stream does not declare (JSON), for the batch's counts. */
  private static Column withExtraKeys() {
    Column extra = functions.col(SourceReader.EXTRA);
    return extra.isNotNull().and(functions.size(extra).gt(0));
  }

  /** The valid upserts: the rows a write adds to the DLO. */
  private static Column valid() {
    return functions.col(RecordValidator.REASON).isNull().and(functions.col(OP).equalTo("U"));
  }

  /** An empty table needs no MERGE: the newest version of each key is simply appended. */
  private boolean isEmpty() {
    Snapshot current = lake.table(table).currentSnapshot();
    return current == null || "0".equals(current.summary().get("total-records"));
  }

  private Dataset<Row> newestPerKey(Dataset<Row> rows) {
    List<Column> order = new ArrayList<>();
    order.add(functions.col(PRIO).desc());
    if (stream.lastModified() != null) {
      order.add(functions.col(stream.lastModified()).desc_nulls_last());
    }
    order.add(functions.col(DloSchema.SOURCE_FILE).desc());
    order.add(functions.col(SourceReader.OFFSET).desc_nulls_last());
    WindowSpec w = Window.partitionBy(stream.primaryKey().stream().map(functions::col).toArray(Column[]::new))
        .orderBy(order.toArray(new Column[0]));
    return rows.withColumn("__rank", functions.row_number().over(w)).filter("__rank = 1").drop("__rank");
  }

  String mergeSql(String view, List<String> columns) {
    String on = stream.primaryKey().stream().map(k -> "t.`" + k + "` = s.`" + k + "`").collect(Collectors.joining(" AND "));
    String lm = stream.lastModified();
    String newer = lm == null ? "true" : "(t.`" + lm + "` IS NULL OR s.`" + lm + "` >= t.`" + lm + "`)";
    String set = columns.stream().map(c -> "t.`" + c + "` = s.`" + c + "`").collect(Collectors.joining(", "));
    String insertCols = columns.stream().map(c -> "`" + c + "`").collect(Collectors.joining(", "));
    String insertVals = columns.stream().map(c -> "s.`" + c + "`").collect(Collectors.joining(", "));
    return "MERGE INTO " + table + " t USING " + view + " s ON " + on
        + " WHEN MATCHED AND s." + OP + " = 'D' AND (s." + PRIO + " = 1 OR " + newer + ") THEN DELETE"
        + " WHEN MATCHED AND s." + OP + " = 'U' AND " + newer + " THEN UPDATE SET " + set
        + " WHEN NOT MATCHED AND s." + OP + " = 'U' THEN INSERT (" + insertCols + ") VALUES (" + insertVals + ")";
  }

  /** A batch that changed nothing (all rows older, or none valid) still records its files. */
  private void markIfNoCommit(Map<String, String> commit) {
    Table t = lake.table(table);
    Snapshot current = t.currentSnapshot();
    if (current != null && commit.get(CommitKeys.BATCH_ID).equals(current.summary().get(CommitKeys.BATCH_ID))) {
      return;
    }
    var append = t.newAppend();
    commit.forEach(append::set);
    append.commit();
  }

  private Column opColumn() {
    if (stream.deleteFlag() == null) {
      return functions.lit("U");
    }
    return functions.when(functions.col(stream.deleteFlag()).equalTo(true), "D").otherwise("U");
  }

  /**
   * Source columns the stream does not declare, following its evolution setting: DLO column name to
   * the expression that reads the value.
   */
  private Map<String, Column> extraColumns(Dataset<Row> validated, List<String> columns, boolean anyExtraKeys) {
    Set<String> seen = new TreeSet<>(columns);
    if (anyExtraKeys) {  // JSON records with undeclared keys (counted with the batch): which keys
      ctx.step("looking for new fields in " + stream.name());
      validated.select(functions.explode(functions.map_keys(functions.col(SourceReader.EXTRA)))).distinct()
          .collectAsList().forEach(r -> seen.add(r.getString(0)));
    }
    Set<String> declaredSources = stream.sourceFields().stream().map(FieldSpec::sourceName).collect(Collectors.toSet());
    Map<String, String> extras = new LinkedHashMap<>();
    Map<String, Column> values = new LinkedHashMap<>();
    for (String source : seen) {
      if (declaredSources.contains(source)) {
        continue;
      }
      String column = columnName(source);
      if (stream.fields().containsKey(column) || extras.containsValue(column) || column.startsWith("_")) {
        LOG.warn("Stream {}: undeclared source column '{}' clashes with column {}; it is left out", stream.name(), source, column);
        continue;
      }
      extras.put(source, column);
      int position = columns.indexOf(source);
      values.put(column, position >= 0 ? functions.col(SourceReader.VALUES).getItem(position)
          : functions.col(SourceReader.EXTRA).getItem(source));
    }
    if (extras.isEmpty()) {
      return values;
    }
    switch (stream.schemaEvolution()) {
      case FAIL -> throw new InvalidInputException("Stream " + stream.name() + ": source has undeclared column(s) "
          + extras.keySet() + " and schemaEvolution is 'fail'; declare them in streams.yaml or set schemaEvolution: add_columns");
      case IGNORE -> {
        LOG.warn("Stream {}: undeclared source column(s) {} are ignored (schemaEvolution: ignore)", stream.name(), extras.keySet());
        return Map.of();
      }
      default -> {
        Table existing = lake.exists(table) ? lake.table(table) : null;
        List<String> added = extras.values().stream()
            .filter(c -> existing == null || existing.schema().findField(c) == null).toList();
        if (!added.isEmpty()) {
          LOG.info("Stream {}: adding undeclared source column(s) {} as string columns", stream.name(), added);
        }
        return values;
      }
    }
  }

  static String columnName(String source) {
    String c = source.trim().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]+", "_");
    if (c.isEmpty() || Character.isDigit(c.charAt(0))) {
      c = "c_" + c;
    }
    return c;
  }

  private static DataStream keysOnly(DataStream s) {
    Map<String, FieldSpec> keys = new LinkedHashMap<>();
    s.primaryKey().forEach(k -> keys.put(k, s.fields().get(k)));
    return new DataStream(s.name(), s.deletesFormat(), s.deletesPath(), s.refresh(), s.primaryKey(), null, null,
        null, null, SchemaEvolution.IGNORE, s.maxRecordBytes(), s.options(), s.mergeMode(), keys, null);
  }

  private static List<LandingFile> pending(List<LandingFile> files, IngestLedger ledger) {
    return files.stream().filter(f -> !ledger.contains(f)).toList();
  }

  private static long elapsed(long start) {
    return System.currentTimeMillis() - start;
  }
}
