package io.lakecdp.maintain;

import io.lakecdp.common.config.DmoMapping;
import io.lakecdp.common.job.InvalidInputException;
import io.lakecdp.common.job.JobContext;
import io.lakecdp.common.job.JobResult;
import io.lakecdp.common.job.Json;
import io.lakecdp.common.lake.CommitKeys;
import io.lakecdp.common.lake.InputFingerprint;
import io.lakecdp.common.lake.Lake;
import io.lakecdp.common.lake.TenantTables;
import io.lakecdp.common.model.UnifiedModel;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rights of a person over their data: export everything held about them, or forget them. A person is the unified
 * individual a selector finds (a unified id, a source record, an e-mail address) with every source record linked to
 * it. Forgetting deletes their rows everywhere in the tenant (DLO rows of all their source records and the related
 * rows that name them as party, quarantined records holding their identifiers, unified tables, match explanations,
 * insight rows, segment membership and history, activation delivered state), then makes it physical: data files
 * rewritten, every older snapshot expired and unreferenced files removed, so no Parquet file under the warehouse still
 * holds their values. The request is recorded in {@code <tenant>_ops.privacy_requests} without their values.
 */
public final class PrivacyJob {
  private static final Logger LOG = LoggerFactory.getLogger(PrivacyJob.class);
  private static final StructType REQUESTS = StructType.fromDDL("request_id STRING, requested_at TIMESTAMP, "
      + "selector STRING, selector_sha256 STRING, status STRING, tables STRING, rows_deleted BIGINT");

  /** How the person is named: {@code kind} unified-id, source or email. */
  public record Selector(String kind, String source, String value) {
    String describe() {
      return kind + (source == null ? "" : " " + source);
    }

    String sha256() {
      return InputFingerprint.sha256(kind + "\n" + (source == null ? "" : source) + "\n" + value);
    }
  }

  /** The person's unified ids, source records (data source object, individual id) and identifiers. */
  record Person(Set<String> unifiedIds, Set<String> recordIds, Map<String, Set<String>> idsBySource,
      Set<String> identifiers) {
    boolean isEmpty() {
      return unifiedIds.isEmpty() && recordIds.isEmpty();
    }

    Set<String> individualIds() {
      Set<String> out = new TreeSet<>();
      idsBySource.values().forEach(out::addAll);
      return out;
    }
  }

  private final JobContext ctx;
  private final SparkSession spark;
  private final Lake lake;
  private final TenantTables tables;

  public PrivacyJob(JobContext ctx) {
    this.ctx = ctx;
    this.spark = ctx.spark();
    this.lake = ctx.lake();
    this.tables = ctx.tables();
  }

  /** The person a selector names; empty when nothing matches. */
  Person resolve(Selector s) {
    String link = tables.unifiedLink();
    if (!lake.exists(link)) {
      throw new InvalidInputException("tenant " + ctx.tenant().name() + " has no " + link + " yet: run "
          + "identity-resolution first (a person is found through the unified link table)");
    }
    Dataset<Row> links = spark.table(link);
    Set<String> unified = new TreeSet<>();
    switch (s.kind()) {
      case "unified-id" -> unified.add(s.value());
      case "source" -> links.filter(functions.col("data_source_object_id").equalTo(s.source())
              .and(functions.col("individual_id").equalTo(s.value()))).select("unified_id").collectAsList()
          .forEach(r -> unified.add(r.getString(0)));
      default -> {
        String email = tables.unified(TenantTables.UNIFIED_CONTACT_POINT_EMAIL);
        if (lake.exists(email)) {
          String e = s.value().strip().toLowerCase(Locale.ROOT);
          spark.table(email).filter(functions.lower(functions.col("value")).equalTo(e)
                  .or(functions.lower(functions.trim(functions.col("email_address"))).equalTo(e)))
              .select("unified_id").distinct().collectAsList().forEach(r -> unified.add(r.getString(0)));
        }
      }
    }
    Set<String> records = new TreeSet<>();
    Map<String, Set<String>> bySource = new LinkedHashMap<>();
    List<Row> rows = unified.isEmpty() ? List.of() : links.filter(functions.col("unified_id").isin(unified.toArray()))
        .select("record_id", "data_source_object_id", "individual_id").collectAsList();
    for (Row r : rows) {
      records.add(r.getString(0));
      bySource.computeIfAbsent(r.getString(1), k -> new TreeSet<>()).add(r.getString(2));
    }
    if (rows.isEmpty()) {
      unified.clear(); // a unified id that links no record is nobody
    }
    Set<String> identifiers = new TreeSet<>();
    bySource.values().forEach(identifiers::addAll);
    for (String table : List.of(TenantTables.UNIFIED_CONTACT_POINT_EMAIL, TenantTables.UNIFIED_CONTACT_POINT_PHONE)) {
      String t = tables.unified(table);
      if (!unified.isEmpty() && lake.exists(t)) {
        Dataset<Row> cp = spark.table(t).filter(functions.col("unified_id").isin(unified.toArray()));
        for (String c : cp.columns()) {
          if (c.equals("value") || c.equals("email_address") || c.equals("phone_number")) {
            cp.select(c).distinct().collectAsList().stream().filter(r -> !r.isNullAt(0))
                .forEach(r -> identifiers.add(r.getString(0).strip()));
          }
        }
      }
    }
    identifiers.removeIf(String::isEmpty);
    return new Person(unified, records, bySource, identifiers);
  }

  /** Per table, the condition that selects the person's rows (tables where nothing can name them are absent). */
  Map<String, Column> personRows(Person p) {
    Map<String, Column> out = new LinkedHashMap<>();
    Set<String> ids = p.individualIds();
    // DLOs: the column mapped to a DMO's Id of an Individual, or to PartyId of anything else.
    Map<String, List<String>> columns = new LinkedHashMap<>();
    for (DmoMapping m : ctx.tenant().mappings()) {
      String c = m.dmo().equals("Individual") ? m.fields().get("Id") : m.fields().get("PartyId");
      if (c != null && !columns.computeIfAbsent(m.dlo(), k -> new ArrayList<>()).contains(c)) {
        columns.get(m.dlo()).add(c);
      }
    }
    columns.forEach((dlo, cols) -> {
      Column cond = functions.lit(false);
      for (String c : cols) {
        cond = cond.or(functions.col(c).cast("string").isin(ids.toArray()));
      }
      out.put(tables.dlo(dlo), cond);
    });
    // Transform outputs are derived DLOs without a mapping to follow: rows that name the person in any text column.
    Set<String> names = new TreeSet<>(ids);
    names.addAll(p.identifiers());
    for (io.lakecdp.common.config.definition.TransformDefinition t : ctx.tenant().transforms()) {
      String table = tables.dlo(t.output());
      if (out.containsKey(table) || !lake.exists(table)) {
        continue;
      }
      Column cond = functions.lit(false);
      for (org.apache.spark.sql.types.StructField f : spark.table(table).schema().fields()) {
        if (f.dataType().equals(org.apache.spark.sql.types.DataTypes.StringType) && !f.name().startsWith("_")) {
          cond = cond.or(functions.col("`" + f.name() + "`").isin(names.toArray()));
        }
      }
      out.put(table, cond);
    }
    Column quarantined = functions.lit(false);
    for (String id : p.identifiers()) {
      quarantined = quarantined.or(functions.col("raw_record").contains(id));
    }
    out.put(tables.quarantine(), quarantined);
    Column unified = functions.col("unified_id").isin(p.unifiedIds().toArray());
    for (String t : UnifiedModel.VIEWS.values()) {
      if (!t.equals(TenantTables.UNIFIED_LINK_INDIVIDUAL)) {
        out.put(tables.unified(t), unified);
      }
    }
    out.put(tables.matchExplanations(), functions.col("record_id_a").isin(p.recordIds().toArray())
        .or(functions.col("record_id_b").isin(p.recordIds().toArray())));
    Set<String> members = new TreeSet<>(p.unifiedIds());
    members.addAll(ids);
    for (String ns : List.of("cio", "act")) {
      for (String t : lake.tables(tables.namespace(ns))) {
        List<String> cols = List.of(spark.table(t).columns());
        if (cols.contains("unified_id")) {
          out.put(t, functions.col("unified_id").isin(p.unifiedIds().toArray()));
        } else if (cols.contains("member_id")) {
          out.put(t, functions.col("member_id").isin(members.toArray()));
        }
      }
    }
    out.put(tables.membershipLatest(), functions.col("member_id").isin(members.toArray()));
    out.put(tables.membershipHistory(), functions.col("member_id").isin(members.toArray()));
    out.put(tables.unifiedLink(), unified); // last: the person is found through it
    out.keySet().removeIf(t -> !lake.exists(t));
    return out;
  }

  /** {@code privacy export}: one JSON document of everything held about the person. */
  public JobResult export(Selector s, java.io.Writer out) throws java.io.IOException {
    Person p = resolve(s);
    if (p.isEmpty()) {
      throw new InvalidInputException("no person of tenant " + ctx.tenant().name() + " matches the " + s.describe()
          + " given");
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("tenant", ctx.tenant().name());
    doc.put("exported_at", new Timestamp(System.currentTimeMillis()).toString());
    doc.put("unified_ids", p.unifiedIds());
    Map<String, Object> held = new LinkedHashMap<>();
    long rows = 0;
    for (Map.Entry<String, Column> e : personRows(p).entrySet()) {
      List<Map<String, Object>> list = new ArrayList<>();
      Dataset<Row> df = spark.table(e.getKey()).filter(e.getValue());
      for (Row r : df.collectAsList()) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (String c : df.columns()) {
          Object v = r.get(r.fieldIndex(c));
          m.put(c, v == null || v instanceof Number || v instanceof Boolean ? v : String.valueOf(v));
        }
        list.add(m);
      }
      if (!list.isEmpty()) {
        held.put(e.getKey(), list);
        rows += list.size();
      }
    }
    doc.put("tables", held);
    out.write(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(doc));
    out.flush();
    Map<String, Object> details = new LinkedHashMap<>();
    Map<String, Object> counts = new LinkedHashMap<>();
    held.forEach((t, l) -> counts.put(t, ((List<?>) l).size()));
    details.put("tables", counts);
    return JobResult.of(0, rows, details);
  }

  /** {@code privacy forget}: see the class comment. Idempotent and resumable under one request id. */
  public JobResult forget(Selector s) {
    String requests = tables.namespace("ops") + ".privacy_requests";
    lake.ensureNamespace(tables.namespace("ops"));
    spark.sql("CREATE TABLE IF NOT EXISTS " + requests + " (" + REQUESTS.toDDL() + ") USING iceberg "
        + "TBLPROPERTIES ('format-version'='2')");
    String requestId = ctx.runId();
    Set<String> states = new TreeSet<>();
    spark.table(requests).filter(functions.col("request_id").equalTo(requestId)).select("status").collectAsList()
        .forEach(r -> states.add(r.getString(0)));
    if (states.contains("completed")) {
      LOG.info("Privacy request {} is already completed: nothing to do", requestId);
      return JobResult.of(0, 0, Map.of("request_id", requestId, "status", "already_completed"));
    }
    ctx.step("finding the person (" + s.describe() + ")");
    Person p = resolve(s);
    if (p.isEmpty() && states.isEmpty()) {
      throw new InvalidInputException("no person of tenant " + ctx.tenant().name() + " matches the " + s.describe()
          + " given: nothing was changed");
    }
    if (states.isEmpty()) {
      record(requests, requestId, s, "started", Map.of(), 0);
    }
    Map<String, Long> deleted = new LinkedHashMap<>();
    long total = 0;
    if (!p.isEmpty()) {
      LOG.info("Forgetting {} unified id(s) with {} source record(s)", p.unifiedIds().size(), p.recordIds().size());
      for (Map.Entry<String, Column> e : personRows(p).entrySet()) {
        long n = spark.table(e.getKey()).filter(e.getValue()).count();
        if (n > 0) {
          ctx.step("deleting " + n + " row(s) from " + e.getKey());
          Column cond = e.getValue();
          lake.commitWith(Map.of(CommitKeys.RUN_ID, requestId, CommitKeys.JOB, ctx.job()), () -> {
            lake.table(e.getKey()); // fail early on a missing table
            spark.sql("DELETE FROM " + e.getKey() + " WHERE " + cond.expr().sql());
            return null;
          });
          deleted.put(e.getKey(), n);
          total += n;
        }
      }
    }
    record(requests, requestId, s, "rows_deleted", deleted, total);
    ctx.step("making the removal physical: rewriting files, expiring snapshots, removing unreferenced files");
    Map<String, Object> physical = new MaintainJob(ctx, new MaintainJob.Retention(java.time.Duration.ZERO, 1)).run().details();
    record(requests, requestId, s, "completed", deleted, total);
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("request_id", requestId);
    details.put("status", "completed");
    details.put("rows_deleted", deleted);
    details.put("maintenance", Map.of("live_files_before", physical.get("live_files_before"),
        "live_files_after", physical.get("live_files_after")));
    return JobResult.of(0, total, details);
  }

  private void record(String requests, String requestId, Selector s, String status, Map<String, Long> deleted,
      long total) {
    Row row = RowFactory.create(requestId, new Timestamp(System.currentTimeMillis()), s.describe(), s.sha256(), status,
        Json.write(deleted), total);
    lake.commitWith(Map.of(CommitKeys.RUN_ID, requestId, CommitKeys.JOB, ctx.job()), () -> {
      spark.createDataFrame(List.of(row), REQUESTS).coalesce(1).writeTo(requests).append();
      return null;
    });
  }
}
