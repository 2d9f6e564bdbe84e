package io.lakecdp.segmentation;

import io.lakecdp.common.config.ConfigException;
import io.lakecdp.common.config.definition.Node;
import io.lakecdp.common.config.definition.Op;
import io.lakecdp.common.config.definition.SegmentDefinition;
import io.lakecdp.common.lake.TenantTables;
import io.lakecdp.common.model.DataModel;
import io.lakecdp.common.model.DmoDefinition;
import io.lakecdp.common.model.UnifiedModel;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * Compiles segment definitions into one Spark plan: the segment-on object, left-joined with one
 * aggregate per related object (every related condition of every segment of the batch computed in a
 * single pass over that object), the insight values and the memberships the segments refer to; each
 * segment is then a boolean column over that frame. Nothing is collected to the driver.
 */
final class SegmentCompiler {
  static final String MEMBER = "member_id";

  private final SparkSession spark;
  private final DataModel model;
  private final Map<String, DmoDefinition> dmos;
  private final TenantTables tables;
  private final Timestamp asOf;
  private final Map<String, Dataset<Row>> memberships;
  private final Map<Object, String> leafColumns = new LinkedHashMap<>();

  /**
   * @param memberships for segment conditions: the current members ({@code member_id}) of each segment
   *     that others refer to
   */
  SegmentCompiler(SparkSession spark, DataModel model, Map<String, DmoDefinition> dmos, TenantTables tables,
      Timestamp asOf, Map<String, Dataset<Row>> memberships) {
    this.spark = spark;
    this.model = model;
    this.dmos = dmos;
    this.tables = tables;
    this.asOf = asOf;
    this.memberships = memberships;
  }

  /** The frame ({@code member_id} plus helper columns) and, per segment, its include/exclude condition. */
  record Compiled(Dataset<Row> frame, Map<String, Column> segments, Map<String, Map<String, Column>> nodes) {}

  /**
   * @param prune keep only members that can be in some segment of the batch: when every segment's
   *     include requires attribute conditions of the segment-on object, the frame and every related
   *     aggregate are restricted to members meeting those of at least one segment (publishing needs
   *     only members; explain counts every candidate, so it does not prune)
   */
  Compiled compile(List<SegmentDefinition> batch, boolean prune) {
    String on = batch.get(0).segmentOn();
    Dataset<Row> frame = base(on);
    List<String> baseFields = Arrays.asList(frame.columns());
    Map<String, List<Node.Related>> related = new LinkedHashMap<>();
    Map<String, List<Node.Insight>> insights = new LinkedHashMap<>();
    List<Node.Segment> segmentRefs = new ArrayList<>();
    for (SegmentDefinition s : batch) {
      for (Node n : leaves(s)) {
        check(s, n, baseFields);
        // Identical conditions (same place, same definition) in several segments are computed once.
        if (n instanceof Node.Related r) {
          addOnce(related.computeIfAbsent(r.object(), k -> new ArrayList<>()), r);
        } else if (n instanceof Node.Insight i) {
          addOnce(insights.computeIfAbsent(i.insight(), k -> new ArrayList<>()), i);
        } else if (n instanceof Node.Segment ref && segmentRefs.stream().noneMatch(x -> x.segmentId().equals(ref.segmentId()))) {
          segmentRefs.add(ref);
        }
      }
    }
    Dataset<Row> candidates = null;
    if (prune) {
      Column necessary = null;
      for (SegmentDefinition s : batch) {
        Column n = requiredAttributes(s.include());
        if (n == null) {
          necessary = null; // a segment open to every member: nothing to prune
          break;
        }
        necessary = necessary == null ? n : necessary.or(n);
      }
      if (necessary != null) {
        frame = frame.filter(necessary);
        candidates = frame.select(MEMBER);
      }
    }
    for (var e : related.entrySet()) {
      Dataset<Row> agg = relatedAggregates(on, e.getKey(), e.getValue(), candidates);
      frame = frame.join(agg, MEMBER, "left");
    }
    for (var e : insights.entrySet()) {
      frame = frame.join(insightValues(on, e.getKey(), e.getValue()), MEMBER, "left");
    }
    for (Node.Segment ref : segmentRefs) {
      String col = column(ref);
      frame = frame.join(memberships.get(ref.segmentId()).select(functions.col(MEMBER), functions.lit(true).as(col)),
          MEMBER, "left");
    }
    Map<String, Column> segments = new LinkedHashMap<>();
    Map<String, Map<String, Column>> nodes = new LinkedHashMap<>();
    for (SegmentDefinition s : batch) {
      Map<String, Column> n = new LinkedHashMap<>();
      Column include = condition(s.include(), n);
      Column all = include;
      if (s.exclude() != null) {
        all = include.and(functions.not(condition(s.exclude(), n)));
      }
      segments.put(s.id(), all);
      nodes.put(s.id(), n);
    }
    return new Compiled(frame, segments, nodes);
  }

  private static <T> void addOnce(List<T> list, T item) {
    if (!list.contains(item)) {
      list.add(item);
    }
  }

  /** The segment-on object with its member id. */
  private Dataset<Row> base(String on) {
    if (on.equals(UnifiedModel.INDIVIDUAL)) {
      return spark.table(tables.unifiedIndividual()).withColumn(MEMBER, functions.col("unified_id"));
    }
    return model.dmo(SegmentDefinition.INDIVIDUAL).withColumn(MEMBER, functions.col("Id"));
  }

  static List<Node> leaves(SegmentDefinition s) {
    List<Node> out = new ArrayList<>();
    collect(s.include(), out);
    if (s.exclude() != null) {
      collect(s.exclude(), out);
    }
    return out;
  }

  private static void collect(Node n, List<Node> out) {
    if (n instanceof Node.All a) {
      a.children().forEach(c -> collect(c, out));
    } else if (n instanceof Node.Any a) {
      a.children().forEach(c -> collect(c, out));
    } else if (n instanceof Node.Not x) {
      collect(x.child(), out);
    } else {
      out.add(n);
    }
  }

  /** Every field, object, insight and segment a leaf names must exist; messages name the file and path. */
  private void check(SegmentDefinition s, Node n, List<String> baseFields) {
    String file = s.file().toString();
    if (n instanceof Node.Attribute a) {
      if (!baseFields.contains(a.field())) {
        throw new ConfigException(file, a.path() + ".field", "unknown field '" + a.field() + "' of " + s.segmentOn()
            + " (fields: " + String.join(", ", baseFields.stream().filter(f -> !f.equals(MEMBER)).toList()) + ")");
      }
    } else if (n instanceof Node.Related r) {
      List<String> fields = relatedFields(s, r);
      List<Node> inner = new ArrayList<>();
      if (r.where() != null) {
        collect(r.where(), inner);
      }
      for (Node x : inner) {
        Node.Attribute a = (Node.Attribute) x;
        requireField(file, a.path() + ".field", r.object(), fields, a.field());
      }
      if (r.windowField() != null) {
        requireField(file, r.path() + ".window.field", r.object(), fields, r.windowField());
      }
      if (r.aggregate().field() != null) {
        requireField(file, r.path() + ".aggregate.field", r.object(), fields, r.aggregate().field());
      }
    } else if (n instanceof Node.Insight i) {
      String table = tables.cio(i.insight());
      if (!spark.catalog().tableExists(table)) {
        throw new ConfigException(file, n.path() + ".name", "no calculated insight '" + i.insight() + "' (table "
            + table + " does not exist; run calculated-insights first)");
      }
      List<String> cols = Arrays.asList(spark.table(table).columns());
      String key = memberKeyOfInsights(s.segmentOn());
      if (!cols.contains(key)) {
        throw new ConfigException(file, n.path() + ".name", "insight '" + i.insight() + "' has no column " + key
            + " to join members on (columns: " + String.join(", ", cols) + ")");
      }
      if (!cols.contains(i.field())) {
        throw new ConfigException(file, n.path() + ".field", "unknown field '" + i.field() + "' of insight '"
            + i.insight() + "' (columns: " + String.join(", ", cols) + ")");
      }
    } else if (n instanceof Node.Segment ref) {
      if (!memberships.containsKey(ref.segmentId())) {
        throw new ConfigException(file, n.path() + ".id", "unknown segment '" + ref.segmentId() + "'");
      }
    } else {
      throw new IllegalStateException("not a leaf: " + n);
    }
  }

  private static void requireField(String file, String path, String object, List<String> fields, String field) {
    if (!fields.contains(field)) {
      throw new ConfigException(file, path, "unknown field '" + field + "' of " + object + " (fields: "
          + String.join(", ", fields) + ")");
    }
  }

  /**
   * The fields of a related object: a DMO with a PartyId, or (for unified individuals) a unified
   * contact point table, whose rows carry the unified id.
   */
  private List<String> relatedFields(SegmentDefinition s, Node.Related r) {
    String file = s.file().toString();
    String unified = UnifiedModel.CONTACT_POINTS.get(r.object());
    if (unified != null) {
      if (!s.segmentOn().equals(UnifiedModel.INDIVIDUAL) || !spark.catalog().tableExists(tables.unified(unified))) {
        throw new ConfigException(file, r.path() + ".object", r.object() + " exists once identity resolution has run"
            + " (segments on " + s.segmentOn() + " cannot use it)");
      }
      return Arrays.asList(spark.table(tables.unified(unified)).columns());
    }
    DmoDefinition def = dmos.get(r.object());
    if (def == null) {
      throw new ConfigException(file, r.path() + ".object", "unknown object '" + r.object() + "' (DMOs: "
          + String.join(", ", dmos.keySet()) + "; unified: " + String.join(", ", new java.util.TreeSet<>(UnifiedModel.CONTACT_POINTS.keySet())) + ")");
    }
    if (!def.fields().containsKey("PartyId")) {
      throw new ConfigException(file, r.path() + ".object", "'" + r.object()
          + "' has no PartyId field, so its rows cannot be related to a member");
    }
    return new ArrayList<>(def.fields().keySet());
  }

  private static String memberKeyOfInsights(String segmentOn) {
    return segmentOn.equals(UnifiedModel.INDIVIDUAL) ? "unified_id" : "individual_id";
  }

  /** One pass over a related object: every related condition on it, aggregated per member. */
  /**
   * Attribute conditions of the segment-on object that every member of the segment must meet (the
   * attribute leaves directly under a top-level {@code all}, or a top-level attribute leaf), or null.
   */
  private Column requiredAttributes(Node include) {
    if (include instanceof Node.Attribute) {
      return condition(include, null);
    }
    Column out = null;
    if (include instanceof Node.All a) {
      for (Node c : a.children()) {
        if (c instanceof Node.Attribute) {
          out = out == null ? condition(c, null) : out.and(condition(c, null));
        }
      }
    }
    return out;
  }

  private Dataset<Row> relatedAggregates(String on, String object, List<Node.Related> leaves, Dataset<Row> candidates) {
    Dataset<Row> rows;
    if (UnifiedModel.CONTACT_POINTS.containsKey(object)) {
      rows = spark.table(tables.unified(UnifiedModel.CONTACT_POINTS.get(object))).withColumn(MEMBER, functions.col("unified_id"));
    } else if (on.equals(UnifiedModel.INDIVIDUAL)) {
      rows = model.dmo(object);
      Dataset<Row> link = spark.table(tables.unifiedLink())
          .select(functions.col("individual_id").as("_party"), functions.col("unified_id").as(MEMBER));
      rows = rows.join(link, rows.col("PartyId").equalTo(link.col("_party")));
    } else {
      rows = model.dmo(object).withColumn(MEMBER, functions.col("PartyId"));
    }
    List<Column> aggs = new ArrayList<>();
    List<Column> conditions = new ArrayList<>();
    for (Node.Related r : leaves) {
      conditions.add(rowCondition(r));
    }
    // Rows no condition selects contribute to no aggregate: drop them before the join and the grouping
    // (the filters and windows of a typical segment keep a few percent of an object's rows).
    rows = rows.filter(conditions.stream().reduce(Column::or).orElseThrow());
    if (candidates != null) {
      rows = rows.join(candidates, MEMBER, "left_semi");
    }
    for (int k = 0; k < leaves.size(); k++) {
      Node.Related r = leaves.get(k);
      Column cond = conditions.get(k);
      Node.Aggregate a = r.aggregate();
      Column value = a.field() == null ? functions.lit(1) : functions.col(a.field());
      Column picked = functions.when(cond, value);
      Column agg = switch (a.function()) {
        case "count" -> functions.count(picked);
        case "sum" -> functions.sum(picked);
        case "avg" -> functions.avg(picked);
        case "min" -> functions.min(picked);
        default -> functions.max(picked);
      };
      String name = column(r);
      aggs.add(agg.as(name));
    }
    return rows.groupBy(MEMBER).agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(new Column[0]));
  }

  /** Which rows of the related object a related condition looks at: its filter and its time window. */
  private Column rowCondition(Node.Related r) {
    Column cond = r.where() == null ? functions.lit(true) : condition(r.where(), null);
    if (r.windowField() != null) {
      Column t = functions.col(r.windowField()).cast("timestamp");
      cond = cond.and(t.geq(functions.lit(asOf).minus(functions.expr("INTERVAL " + r.withinLastDays() + " DAYS"))))
          .and(t.leq(functions.lit(asOf)));
    }
    return cond;
  }

  private Dataset<Row> insightValues(String on, String insight, List<Node.Insight> leaves) {
    List<Column> cols = new ArrayList<>();
    cols.add(functions.col(memberKeyOfInsights(on)).as(MEMBER));
    for (Node.Insight i : leaves) {
      cols.add(functions.col(i.field()).as(column(i)));
    }
    return spark.table(tables.cio(insight)).select(cols.toArray(new Column[0]));
  }

  /** The helper column holding a leaf's value in the frame. */
  private String column(Node leaf) {
    Object key = leaf instanceof Node.Segment s ? "segment:" + s.segmentId() : leaf;
    return leafColumns.computeIfAbsent(key, l -> "_c" + leafColumns.size());
  }

  /**
   * A node as a null-safe boolean column (unknown is false). {@code nodes}, when given, receives every
   * node's column by path, for explain.
   */
  Column condition(Node n, Map<String, Column> nodes) {
    Column c;
    if (n instanceof Node.All a) {
      c = a.children().stream().map(x -> condition(x, nodes)).reduce(Column::and).orElseThrow();
    } else if (n instanceof Node.Any a) {
      c = a.children().stream().map(x -> condition(x, nodes)).reduce(Column::or).orElseThrow();
    } else if (n instanceof Node.Not x) {
      c = functions.not(condition(x.child(), nodes));
    } else if (n instanceof Node.Attribute a) {
      c = compare(functions.col(a.field()), a.op(), a.values());
    } else if (n instanceof Node.Related r) {
      Column v = functions.col(column(r));
      if (r.aggregate().function().equals("count") || r.aggregate().function().equals("sum")) {
        v = functions.coalesce(v, functions.lit(0));
      }
      c = compare(v, r.aggregate().op(), r.aggregate().values());
    } else if (n instanceof Node.Insight i) {
      c = compare(functions.col(column(i)), i.op(), i.values());
    } else {
      c = functions.col(column(n)).isNotNull();
    }
    c = functions.coalesce(c, functions.lit(false));
    if (nodes != null) {
      nodes.put(n.path(), c);
    }
    return c;
  }

  private Column compare(Column c, Op op, List<Object> values) {
    Object v = values.isEmpty() ? null : values.get(0);
    return switch (op) {
      case EQ -> c.equalTo(v);
      case NE -> c.notEqual(v);
      case IN -> c.isin(values.toArray());
      case NOT_IN -> functions.not(c.isin(values.toArray()));
      case GT -> c.gt(v);
      case GTE -> c.geq(v);
      case LT -> c.lt(v);
      case LTE -> c.leq(v);
      case BETWEEN -> c.between(values.get(0), values.get(1));
      case CONTAINS -> functions.lower(c.cast("string")).contains(String.valueOf(v).toLowerCase(Locale.ROOT));
      case STARTS_WITH -> functions.lower(c.cast("string")).startsWith(String.valueOf(v).toLowerCase(Locale.ROOT));
      case IS_NULL -> c.isNull();
      case IS_NOT_NULL -> c.isNotNull();
      case WITHIN_LAST -> c.cast("timestamp").geq(functions.lit(asOf).minus(functions.expr("INTERVAL " + v + " DAYS")))
          .and(c.cast("timestamp").leq(functions.lit(asOf)));
      case BEFORE -> c.cast("timestamp").lt(functions.to_timestamp(functions.lit(String.valueOf(v))));
      case AFTER -> c.cast("timestamp").gt(functions.to_timestamp(functions.lit(String.valueOf(v))));
      case ON -> functions.to_date(c.cast("timestamp")).equalTo(functions.to_date(functions.lit(String.valueOf(v))));
    };
  }
}
