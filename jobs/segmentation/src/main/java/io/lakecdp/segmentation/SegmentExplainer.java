package io.lakecdp.segmentation;

import io.lakecdp.common.config.definition.Node;
import io.lakecdp.common.config.definition.SegmentDefinition;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * Prints a compiled segment as a readable tree with the population at every node (one aggregation
 * pass computes them all), or, for one member, whether it passes each node.
 */
final class SegmentExplainer {
  private SegmentExplainer() {}

  static void explain(SegmentDefinition s, SegmentCompiler.Compiled compiled, String member, PrintWriter out) {
    Map<String, Column> nodes = compiled.nodes().get(s.id());
    List<String> paths = new ArrayList<>(nodes.keySet());
    Dataset<Row> frame = compiled.frame();
    Column whole = compiled.segments().get(s.id());
    out.printf("Segment %s (%s) on %s%s%n", s.id(), s.name(), s.segmentOn(),
        s.holdoutPercent() > 0 ? ", holdout " + s.holdoutPercent() + "%" : "");
    if (member == null) {
      List<Column> counts = new ArrayList<>();
      counts.add(functions.count("*"));
      for (String p : paths) {
        counts.add(functions.sum(functions.when(nodes.get(p), 1).otherwise(0)));
      }
      counts.add(functions.sum(functions.when(whole, 1).otherwise(0)));
      Row r = frame.agg(counts.get(0), counts.subList(1, counts.size()).toArray(new Column[0])).first();
      out.printf("  candidates (all %s): %,d%n", s.segmentOn(), r.getLong(0));
      print(s.include(), nodes, paths, r, 1, "include", out);
      if (s.exclude() != null) {
        print(s.exclude(), nodes, paths, r, 1, "exclude (members removed)", out);
      }
      out.printf("  => members: %,d%n", r.isNullAt(paths.size() + 1) ? 0 : r.getLong(paths.size() + 1));
    } else {
      List<Column> cols = new ArrayList<>();
      for (String p : paths) {
        cols.add(nodes.get(p));
      }
      cols.add(whole);
      List<Row> rows = frame.filter(functions.col(SegmentCompiler.MEMBER).equalTo(member))
          .select(cols.toArray(new Column[0])).collectAsList();
      if (rows.isEmpty()) {
        out.printf("  member %s: not found among %s%n", member, s.segmentOn());
        return;
      }
      Row r = rows.get(0);
      out.printf("  member %s%n", member);
      printMember(s.include(), paths, r, 1, "include", out);
      if (s.exclude() != null) {
        printMember(s.exclude(), paths, r, 1, "exclude", out);
      }
      out.printf("  => %s%n", r.getBoolean(paths.size()) ? "IN the segment" : "NOT in the segment");
    }
  }

  private static void print(Node n, Map<String, Column> nodes, List<String> paths, Row counts, int depth, String label,
      PrintWriter out) {
    int i = paths.indexOf(n.path());
    long count = counts.isNullAt(i + 1) ? 0 : counts.getLong(i + 1);
    out.printf("%s%s%s: %,d%n", "  ".repeat(depth), label == null ? "" : label + ": ", describe(n), count);
    for (Node c : children(n)) {
      print(c, nodes, paths, counts, depth + 1, null, out);
    }
  }

  private static void printMember(Node n, List<String> paths, Row r, int depth, String label, PrintWriter out) {
    boolean pass = r.getBoolean(paths.indexOf(n.path()));
    out.printf("%s[%s] %s%s%n", "  ".repeat(depth), pass ? "pass" : "fail", label == null ? "" : label + ": ", describe(n));
    for (Node c : children(n)) {
      printMember(c, paths, r, depth + 1, null, out);
    }
  }

  private static List<Node> children(Node n) {
    if (n instanceof Node.All a) {
      return a.children();
    }
    if (n instanceof Node.Any a) {
      return a.children();
    }
    if (n instanceof Node.Not x) {
      return List.of(x.child());
    }
    return List.of();
  }

  /** A node in words, e.g. {@code SalesOrder rows where (OrderStatus eq completed) in the last 30 days: count gte 3}. */
  static String describe(Node n) {
    if (n instanceof Node.All) {
      return "all of";
    }
    if (n instanceof Node.Any) {
      return "any of";
    }
    if (n instanceof Node.Not) {
      return "not";
    }
    if (n instanceof Node.Attribute a) {
      return a.field() + " " + a.op().yamlName() + values(a.values());
    }
    if (n instanceof Node.Related r) {
      String where = r.where() == null ? "" : " where " + inline(r.where());
      String window = r.windowField() == null ? "" : " with " + r.windowField() + " in the last " + r.withinLastDays() + " days";
      Node.Aggregate g = r.aggregate();
      return r.object() + " rows" + where + window + ": " + g.function() + (g.field() == null ? "" : "(" + g.field() + ")")
          + " " + g.op().yamlName() + values(g.values());
    }
    if (n instanceof Node.Insight i) {
      return "insight " + i.insight() + "." + i.field() + " " + i.op().yamlName() + values(i.values());
    }
    return "member of segment " + ((Node.Segment) n).segmentId();
  }

  private static String inline(Node n) {
    List<Node> c = children(n);
    if (c.isEmpty()) {
      return "(" + describe(n) + ")";
    }
    String joined = c.stream().map(SegmentExplainer::inline).collect(Collectors.joining(
        n instanceof Node.Any ? " or " : " and "));
    return n instanceof Node.Not ? "not " + joined : "(" + joined + ")";
  }

  private static String values(List<Object> values) {
    if (values.isEmpty()) {
      return "";
    }
    return " " + (values.size() == 1 ? String.valueOf(values.get(0)) : values.toString());
  }
}
