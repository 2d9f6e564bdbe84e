package io.lakecdp.ingest;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.lakecdp.common.config.ConfigException;
import io.lakecdp.common.config.DataStream;
import io.lakecdp.common.config.DmoMapping;
import io.lakecdp.common.config.FieldSpec;
import io.lakecdp.common.config.RefreshMode;
import io.lakecdp.common.config.definition.TransformDefinition;
import io.lakecdp.common.job.InvalidInputException;
import io.lakecdp.common.job.JobContext;
import io.lakecdp.common.job.Json;
import io.lakecdp.common.job.Messages;
import io.lakecdp.common.lake.CommitKeys;
import io.lakecdp.common.lake.InputFingerprint;
import io.lakecdp.common.lake.Lake;
import io.lakecdp.common.lake.PlanInputs;
import io.lakecdp.common.model.DataModel;
import io.lakecdp.common.sql.TenantSql;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.iceberg.Snapshot;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Data transforms ({@link TransformDefinition}): tenant SQL over the tenant's DLOs (by stream name, system columns
 * hidden) and DMOs, materialized as a DLO of its own. Every transform is checked in the tenant SQL sandbox and
 * analysed before any is run; a transform whose input snapshots and definition are those of its last write is
 * skipped. Streaming transforms are also applied to each micro-batch of their stream by {@code ingest-stream}
 * ({@link #applyToBatch}), exactly once per batch.
 */
public final class Transforms {
  private static final Logger LOG = LoggerFactory.getLogger(Transforms.class);

  private final JobContext ctx;
  private final SparkSession spark;
  private final Lake lake;

  public Transforms(JobContext ctx) {
    this.ctx = ctx;
    this.spark = ctx.spark();
    this.lake = ctx.lake();
  }

  /** One transform's outcome. */
  public record Outcome(@JsonIgnore String name, String table, String status, long rows,
      @JsonProperty("input_fingerprint") String fingerprint, long durationMs) {
  }

  /** Per-transform details, for a job's summary. */
  public static Map<String, Object> details(List<Outcome> outcomes) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("computed", outcomes.stream().filter(o -> o.status().equals("computed")).count());
    m.put("skipped", outcomes.stream().filter(o -> o.status().startsWith("skipped")).count());
    Map<String, Object> per = new LinkedHashMap<>();
    outcomes.forEach(o -> per.put(o.name(), Json.fields(o)));
    m.put("transforms", per);
    return m;
  }

  /**
   * Checks every transform (in order, each seeing the outputs of those before it), then runs them in order.
   *
   * @param force run even when inputs and definition are unchanged
   */
  public List<Outcome> run(List<TransformDefinition> transforms, boolean force) {
    ctx.step("checking " + transforms.size() + " transform(s)");
    Set<String> dlos = registerInputViews();
    for (TransformDefinition t : transforms) {
      Dataset<Row> df = check(t, readable(t, dlos));
      if (!lake.exists(ctx.tables().dlo(t.output()))) {
        spark.createDataFrame(List.of(), df.schema()).createOrReplaceTempView(t.output());
      }
    }
    registerInputViews();
    lake.ensureNamespace(ctx.tables().dloNamespace());
    List<Outcome> out = new ArrayList<>();
    int i = 0;
    for (TransformDefinition t : transforms) {
      i++;
      long start = System.currentTimeMillis();
      String table = ctx.tables().dlo(t.output());
      Dataset<Row> df = check(t, readable(t, dlos));
      String inputs = PlanInputs.describe(PlanInputs.of(df)) + "definition=" + definitionHash(t);
      String fingerprint = InputFingerprint.sha256(inputs);
      Snapshot last = lake.exists(table) ? lake.lastWrite(table) : null;
      if (!force && last != null && inputs.equals(last.summary().get(CommitKeys.INPUTS))) {
        LOG.info("[{}/{}] transform {}: inputs and definition unchanged since run {}; skipped", i, transforms.size(),
            t.name(), last.summary().get(CommitKeys.RUN_ID));
        out.add(new Outcome(t.name(), table, "skipped: inputs unchanged", 0, fingerprint,
            System.currentTimeMillis() - start));
        continue;
      }
      ctx.step("transform " + t.name() + " -> " + table);
      Map<String, String> commit = new LinkedHashMap<>();
      commit.put(CommitKeys.RUN_ID, ctx.runId());
      commit.put(CommitKeys.JOB, ctx.job());
      commit.put(CommitKeys.INPUTS, inputs);
      long rows = write(t, df, table, commit);
      registerInputViews();  // later transforms and the DMOs see this output
      LOG.info("[{}/{}] transform {}: {} rows {} {} in {} ms", i, transforms.size(), t.name(), rows,
          t.refresh() == RefreshMode.UPSERT ? "upserted into" : "written to", table, System.currentTimeMillis() - start);
      out.add(new Outcome(t.name(), table, "computed", rows, fingerprint, System.currentTimeMillis() - start));
    }
    return out;
  }

  /**
   * Checks the streaming transforms of the streams before any data is read: each reads only its one stream (the
   * micro-batch's rows, typed as declared) and is analysed against it.
   */
  public void checkStreaming(List<TransformDefinition> transforms, Map<String, DataStream> streams) {
    for (TransformDefinition t : transforms) {
      if (t.streaming()) {
        emptyStreamView(streams.get(t.stream()));
        check(t, Set.of(t.stream()));
      }
    }
  }

  /**
   * Applies a streaming transform to one micro-batch's valid rows (newest per key first) in a commit of its own that
   * records the batch id: a batch replayed after a crash is not applied twice.
   */
  public void applyToBatch(TransformDefinition t, DataStream stream, Dataset<Row> good, String batchId) {
    String table = ctx.tables().dlo(t.output());
    if (lake.exists(table) && IngestLedger.hasStreamBatch(lake, ctx.tables(), table, batchId)) {
      LOG.info("Streaming transform {}: batch {} already applied", t.name(), batchId);
      return;
    }
    Dataset<Row> rows = good.select(stream.fieldList().stream().map(f -> functions.col("`" + f.name() + "`"))
        .toArray(Column[]::new));
    if (!stream.primaryKey().isEmpty()) {
      List<Column> order = new ArrayList<>();
      if (stream.lastModified() != null) {
        order.add(functions.col(stream.lastModified()).desc_nulls_last());
      }
      order.add(good.col(SourceReader.FILE).desc());
      order.add(good.col(SourceReader.OFFSET).desc_nulls_last());
      rows = good.withColumn("__rank", functions.row_number().over(Window.partitionBy(
              stream.primaryKey().stream().map(functions::col).toArray(Column[]::new))
          .orderBy(order.toArray(new Column[0])))).filter("__rank = 1")
          .select(stream.fieldList().stream().map(f -> functions.col("`" + f.name() + "`")).toArray(Column[]::new));
    }
    rows.createOrReplaceTempView(stream.name());
    Dataset<Row> df = spark.sql(t.sql());
    Map<String, String> commit = new LinkedHashMap<>();
    commit.put(CommitKeys.STREAM_BATCH, batchId);
    commit.put(CommitKeys.RUN_ID, ctx.runId());
    commit.put(CommitKeys.JOB, ctx.job());
    long n = write(t, df, table, commit);
    spark.catalog().dropTempView(stream.name());
    LOG.info("Streaming transform {}: batch {}: {} rows upserted into {}", t.name(), batchId, n, table);
  }

  /** The sandbox, then analysis; the output's columns, key and the mappings that read it are checked. */
  private Dataset<Row> check(TransformDefinition t, Set<String> readable) {
    String where = t.file().toString();
    new TenantSql(spark, readable, where, "sql").checkQuery(t.sql());
    Dataset<Row> df;
    try {
      df = spark.sql(t.sql());
    } catch (Exception e) {
      throw new ConfigException(where, "sql", Messages.firstLine(e) + " (a transform reads the tenant's DLOs by stream name"
          + " and its DMOs: " + String.join(", ", readable) + ")");
    }
    List<String> columns = Arrays.asList(df.columns());
    Set<String> seen = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    for (String c : columns) {
      if (!c.matches("[A-Za-z][A-Za-z0-9_]*")) {
        throw new ConfigException(where, "sql", "output column '" + c + "' must be letters, digits and _ and start "
            + "with a letter (name it with AS; names starting with _ are system columns)");
      }
      if (!seen.add(c)) {
        throw new ConfigException(where, "sql", "output column '" + c + "' appears twice");
      }
    }
    for (String k : t.primaryKey()) {
      if (!columns.contains(k)) {
        throw new ConfigException(where, "primaryKey", "'" + k + "' is not a column of the query (columns: "
            + String.join(", ", columns) + ")");
      }
    }
    for (DmoMapping m : ctx.tenant().mappings()) {
      if (m.dlo().equals(t.output())) {
        for (Map.Entry<String, String> f : m.fields().entrySet()) {
          if (!columns.contains(f.getValue())) {
            throw new ConfigException(ctx.tenant().dir().resolve("mappings.yaml").toString(),
                "mappings[dlo=" + m.dlo() + ", dmo=" + m.dmo() + "].fields." + f.getKey(), "unknown DLO field '"
                + f.getValue() + "' of transform output " + t.output() + " (columns: " + String.join(", ", columns)
                + ")");
          }
        }
      }
    }
    if (!df.queryExecution().analyzed().deterministic()) {
      LOG.warn("Transform {}: the query is not deterministic (rand, uuid, current_timestamp, ...): it gives "
          + "different rows for the same input", t.name());
    }
    return df;
  }

  /** Writes the transform's rows with the DLO system columns, in one commit; returns the rows written. */
  private long write(TransformDefinition t, Dataset<Row> df, String table, Map<String, String> commit) {
    List<Column> cols = new ArrayList<>();
    for (String c : df.columns()) {
      cols.add(functions.col("`" + c + "`"));
    }
    cols.add(functions.lit("transform:" + t.name()).as(DloSchema.SOURCE_FILE));
    cols.add(functions.current_timestamp().as(DloSchema.INGESTED_AT));
    cols.add(functions.lit(ctx.runId()).as(DloSchema.RUN_ID));
    Dataset<Row> rows = df.select(cols.toArray(new Column[0])).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      long n = rows.count();
      if (t.refresh() == RefreshMode.FULL_REFRESH || !lake.exists(table)) {
        checkUniqueKeys(t, rows);
        lake.commitWith(commit, () -> {
          rows.writeTo(table).using("iceberg").tableProperty("format-version", "2")
              .tableProperty("write.delete.mode", "merge-on-read").tableProperty("write.update.mode", "merge-on-read")
              .tableProperty("write.merge.mode", "merge-on-read").createOrReplace();
          return null;
        });
        return n;
      }
      checkUniqueKeys(t, rows);
      addNewColumns(t, table, rows.schema());
      String view = "lakecdp_transform_" + t.name();
      rows.createOrReplaceTempView(view);
      String on = t.primaryKey().stream().map(k -> "t.`" + k + "` <=> s.`" + k + "`").collect(Collectors.joining(" AND "));
      List<String> names = Arrays.asList(rows.columns());
      String set = names.stream().map(c -> "t.`" + c + "` = s.`" + c + "`").collect(Collectors.joining(", "));
      String insert = names.stream().map(c -> "`" + c + "`").collect(Collectors.joining(", "));
      String values = names.stream().map(c -> "s.`" + c + "`").collect(Collectors.joining(", "));
      lake.commitWith(commit, () -> spark.sql("MERGE INTO " + table + " t USING " + view + " s ON " + on
          + " WHEN MATCHED THEN UPDATE SET " + set + " WHEN NOT MATCHED THEN INSERT (" + insert + ") VALUES ("
          + values + ")"));
      spark.catalog().dropTempView(view);
      return n;
    } finally {
      rows.unpersist();
    }
  }

  private static void checkUniqueKeys(TransformDefinition t, Dataset<Row> rows) {
    if (t.primaryKey().isEmpty()) {
      return;
    }
    List<Row> dup = rows.groupBy(t.primaryKey().stream().map(k -> functions.col("`" + k + "`")).toArray(Column[]::new))
        .count().filter("count > 1").limit(1).collectAsList();
    if (!dup.isEmpty()) {
      throw new InvalidInputException("Transform " + t.name() + " (" + t.file() + "): its query returns "
          + dup.get(0).getLong(dup.get(0).size() - 1) + " rows for primary key " + t.primaryKey() + " = "
          + dup.get(0).toString() + "; a transform must return one row per key (aggregate or filter)");
    }
  }

  /** Upsert keeps the table: columns the query has gained are added (a changed type needs full_refresh). */
  private void addNewColumns(TransformDefinition t, String table, StructType schema) {
    Map<String, StructField> current = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (StructField f : spark.table(table).schema().fields()) {
      current.put(f.name(), f);
    }
    for (StructField f : schema.fields()) {
      StructField had = current.get(f.name());
      if (had == null) {
        LOG.info("Transform {}: adding column {} {} to {}", t.name(), f.name(), f.dataType().sql(), table);
        spark.sql("ALTER TABLE " + table + " ADD COLUMN `" + f.name() + "` " + f.dataType().sql());
      } else if (!had.dataType().equals(f.dataType())) {
        throw new ConfigException(t.file().toString(), "sql", "column '" + f.name() + "' is now "
            + f.dataType().simpleString() + " but " + table + " holds " + had.dataType().simpleString()
            + ": declare '-- refresh: full_refresh' once to rebuild the table");
      }
    }
  }

  /**
   * The stream DLOs as views under the stream names (system columns hidden; empty of the declared schema when
   * nothing was ingested yet), transform outputs that exist, and the DMOs. Returns the DLO names.
   */
  private Set<String> registerInputViews() {
    Set<String> dlos = new TreeSet<>(ctx.tenant().streams().keySet());
    for (DataStream s : ctx.tenant().streams().values()) {
      String table = ctx.tables().dlo(s.name());
      if (lake.exists(table)) {
        Dataset<Row> t = spark.table(table);
        t.select(visibleColumns(t)).createOrReplaceTempView(s.name());
      } else {
        emptyStreamView(s);
      }
    }
    for (TransformDefinition t : ctx.tenant().transforms()) {
      dlos.add(t.output());
      String table = ctx.tables().dlo(t.output());
      if (lake.exists(table)) {
        Dataset<Row> d = spark.table(table);
        d.select(visibleColumns(d)).createOrReplaceTempView(t.output());
      }
    }
    new DataModel(spark, ctx.tenant(), ctx.tables()).registerViews();
    return dlos;
  }

  private void emptyStreamView(DataStream s) {
    List<StructField> fields = new ArrayList<>();
    for (FieldSpec f : s.fieldList()) {
      fields.add(DataTypes.createStructField(f.name(), f.type(), true));
    }
    spark.createDataFrame(List.of(), new StructType(fields.toArray(new StructField[0])))
        .createOrReplaceTempView(s.name());
  }

  /** What a transform may read: the DLOs but its own output, and the DMOs. */
  private Set<String> readable(TransformDefinition t, Set<String> dlos) {
    Set<String> out = new TreeSet<>(dlos);
    out.remove(t.output());
    out.addAll(ctx.tenant().dmos().keySet());
    return out;
  }

  private static Column[] visibleColumns(Dataset<Row> t) {
    return Arrays.stream(t.columns()).filter(c -> !c.startsWith("_")).map(c -> functions.col("`" + c + "`"))
        .toArray(Column[]::new);
  }

  /** The content of a transform's definition: SQL, output, key, refresh. */
  static String definitionHash(TransformDefinition t) {
    return InputFingerprint.sha256("sql=" + t.sql() + "\noutput=" + t.output() + "\nkey=" + t.primaryKey()
        + "\nrefresh=" + t.refresh() + "\nstreaming=" + t.streaming());
  }
}
