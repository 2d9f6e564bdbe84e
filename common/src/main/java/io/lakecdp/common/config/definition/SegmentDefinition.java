package io.lakecdp.common.config.definition;

import io.lakecdp.common.config.ConfigException;
import io.lakecdp.common.config.ConfigFiles;
import io.lakecdp.common.config.YamlNode;
import io.lakecdp.common.model.UnifiedModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A segment: {@code conf/tenants/<t>/segments/<id>.yaml}. {@code segmentOn} (default
 * {@code UnifiedIndividual}), an {@code include} tree, an optional {@code exclude} tree and an optional
 * {@code holdoutPercent} (a deterministic control group, recorded but never activated).
 */
public record SegmentDefinition(String id, Path file, String name, String segmentOn, Node include, Node exclude,
    double holdoutPercent) {
  public static final String INDIVIDUAL = "Individual";
  private static final Set<String> KEYS = Set.of("name", "description", "segmentOn", "include", "exclude",
      "holdoutPercent");
  private static final Set<String> NODE_KEYS = Set.of("all", "any", "not", "attribute", "related", "insight", "segment");

  public static List<SegmentDefinition> loadAll(Path dir) {
    return ConfigFiles.list(dir, ".yaml").stream().map(SegmentDefinition::load).toList();
  }

  public static SegmentDefinition load(Path file) {
    String id = ConfigFiles.baseName(file, ".yaml");
    if (!id.matches("[a-z][a-z0-9_]{0,62}")) {
      throw new ConfigException(file.toString(), "id", "segment id '" + id
          + "' (the file name) must be lower case letters, digits and _ and start with a letter");
    }
    YamlNode root = YamlNode.load(file).allowOnly(KEYS);
    String segmentOn = root.get("segmentOn").asString(UnifiedModel.INDIVIDUAL);
    if (!segmentOn.equals(UnifiedModel.INDIVIDUAL) && !segmentOn.equals(INDIVIDUAL)) {
      throw root.get("segmentOn").error("segments are on UnifiedIndividual or Individual, not '" + segmentOn + "'");
    }
    double holdout = root.get("holdoutPercent").isMissing() ? 0 : percent(root.get("holdoutPercent"));
    if (holdout < 0 || holdout >= 100) {
      throw root.get("holdoutPercent").error("must be at least 0 and below 100");
    }
    Node include = node(root.required("include"), false);
    Node exclude = root.get("exclude").isMissing() ? null : node(root.get("exclude"), false);
    return new SegmentDefinition(id, file, root.get("name").asString(id), segmentOn, include, exclude, holdout);
  }

  /** @param inRelated inside a related container's {@code where}: only attribute leaves and containers */
  static Node node(YamlNode n, boolean inRelated) {
    n.requireMap();
    var entries = n.entries();
    if (entries.size() != 1) {
      throw n.error("a filter node has exactly one of " + String.join(", ", new java.util.TreeSet<>(NODE_KEYS))
          + (entries.isEmpty() ? "" : "; found " + entries.keySet()));
    }
    var e = entries.entrySet().iterator().next();
    String key = e.getKey();
    YamlNode v = e.getValue();
    switch (key) {
      case "all", "any" -> {
        List<Node> children = new ArrayList<>();
        for (YamlNode item : v.items()) {
          children.add(node(item, inRelated));
        }
        if (children.isEmpty()) {
          throw v.error("'" + key + "' needs at least one condition");
        }
        return key.equals("all") ? new Node.All(v.path(), children) : new Node.Any(v.path(), children);
      }
      case "not" -> {
        return new Node.Not(v.path(), node(v, inRelated));
      }
      case "attribute" -> {
        v.allowOnly(Set.of("object", "field", "op", "value", "values", "days"));
        Node.Attribute a = new Node.Attribute(v.path(), v.required("field").asString(), op(v), values(v));
        if (v.get("object").isMissing() || inRelated) {
          if (!v.get("object").isMissing()) {
            throw v.get("object").error("inside a related object's 'where', fields are that object's own");
          }
          return a;
        }
        // A field of a related object (a contact point, a 1:1 or N:1 object): the member qualifies when one
        // of its rows of that object does.
        return new Node.Related(v.path(), v.get("object").asString(), a, null, null,
            new Node.Aggregate("count", null, Op.GTE, List.of(1L)));
      }
      default -> {
        if (inRelated) {
          throw n.get(key).error("inside a related object's 'where' only attribute conditions (and all/any/not) are allowed");
        }
      }
    }
    switch (key) {
      case "related" -> {
        v.allowOnly(Set.of("object", "where", "window", "aggregate"));
        Node where = v.get("where").isMissing() ? null : node(v.get("where"), true);
        String windowField = null;
        Integer days = null;
        if (!v.get("window").isMissing()) {
          YamlNode w = v.get("window").allowOnly(Set.of("field", "withinLastDays"));
          windowField = w.required("field").asString();
          days = (int) w.required("withinLastDays").asLong(0);
          if (days <= 0) {
            throw w.get("withinLastDays").error("must be a positive number of days");
          }
        }
        Node.Aggregate agg = new Node.Aggregate("count", null, Op.GTE, List.of(1L));
        if (!v.get("aggregate").isMissing()) {
          YamlNode a = v.get("aggregate").allowOnly(Set.of("function", "field", "op", "value", "values"));
          String fn = a.get("function").asString("count").toLowerCase(Locale.ROOT);
          if (!Set.of("count", "sum", "avg", "min", "max").contains(fn)) {
            throw a.get("function").error("unknown aggregate function '" + fn + "' (count, sum, avg, min, max)");
          }
          String field = a.get("field").isMissing() ? null : a.get("field").asString();
          if (!fn.equals("count") && field == null) {
            throw a.error("aggregate '" + fn + "' needs a field");
          }
          Op op = op(a);
          if (!Set.of(Op.EQ, Op.NE, Op.GT, Op.GTE, Op.LT, Op.LTE, Op.BETWEEN).contains(op)) {
            throw a.get("op").error("an aggregate compares with eq, ne, gt, gte, lt, lte or between, not '" + op.yamlName() + "'");
          }
          agg = new Node.Aggregate(fn, field, op, values(a));
        }
        return new Node.Related(v.path(), v.required("object").asString(), where, windowField, days, agg);
      }
      case "insight" -> {
        v.allowOnly(Set.of("name", "field", "op", "value", "values", "days"));
        return new Node.Insight(v.path(), v.required("name").asString(), v.required("field").asString(), op(v), values(v));
      }
      case "segment" -> {
        v.allowOnly(Set.of("id"));
        return new Node.Segment(v.path(), v.required("id").asString());
      }
      default -> throw n.get(key).error("unknown condition '" + key + "' (one of "
          + String.join(", ", new java.util.TreeSet<>(NODE_KEYS)) + ")");
    }
  }

  private static Op op(YamlNode v) {
    YamlNode o = v.required("op");
    String name = o.asString();
    if (name.equals("true")) {
      // YAML 1.1 reads an unquoted `on` as the boolean true; no operator is called "true", so it meant `on`.
      return Op.ON;
    }
    try {
      return Op.valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw o.error("unknown operator '" + name + "' (" + Op.names() + ")");
    }
  }

  /** The values an operator takes, checked against its arity. */
  private static List<Object> values(YamlNode v) {
    Op op = op(v);
    List<Object> out = new ArrayList<>();
    if (op == Op.WITHIN_LAST) {
      YamlNode d = v.get("days").isMissing() ? v.get("value") : v.get("days");
      if (d.isMissing()) {
        throw v.error("within_last needs 'days'");
      }
      long days = d.asLong(0);
      if (days <= 0) {
        throw d.error("must be a positive number of days");
      }
      out.add(days);
      return out;
    }
    if (!v.get("values").isMissing()) {
      for (YamlNode item : v.get("values").items()) {
        out.add(scalar(item));
      }
    } else if (!v.get("value").isMissing()) {
      out.add(scalar(v.get("value")));
    }
    boolean ok = op.arity == -1 ? !out.isEmpty() : out.size() == op.arity;
    if (!ok) {
      String need = switch (op.arity) {
        case 0 -> "no value";
        case 1 -> "one 'value'";
        case 2 -> "two 'values' (from, to)";
        default -> "'values' (a list)";
      };
      throw v.get("op").error("'" + op.yamlName() + "' takes " + need + ", found " + out.size());
    }
    return out;
  }

  private static Object scalar(YamlNode n) {
    String s = n.asString();
    if (s.matches("-?(0|[1-9]\\d*)")) {
      return Long.parseLong(s);
    }
    if (s.matches("-?(0|[1-9]\\d*)\\.\\d+")) {
      return Double.parseDouble(s);
    }
    return s;
  }

  private static double percent(YamlNode node) {
    try {
      return Double.parseDouble(node.asString());
    } catch (NumberFormatException e) {
      throw node.error("must be a number (a percentage), not '" + node.asString() + "'");
    }
  }
}
