package io.lakecdp.common.config.definition;

import java.util.List;

/**
 * A node of a segment's filter tree. Containers: {@code all}, {@code any}, {@code not}. Leaves: an
 * attribute of the segment-on object, a related (1:N) object aggregate, a calculated insight value, or
 * membership of another segment. {@code path} is where the node sits in its file
 * ({@code include.all[2].related}), for messages and for explain.
 */
public sealed interface Node {
  String path();

  record All(String path, List<Node> children) implements Node {}

  record Any(String path, List<Node> children) implements Node {}

  record Not(String path, Node child) implements Node {}

  /** A comparison of one field: {@code op} with {@code values} (none, one, or two for between, a list for in). */
  record Attribute(String path, String field, Op op, List<Object> values) implements Node {}

  /**
   * Rows of a related object belonging to the member that pass {@code where} (attribute leaves over the
   * object's fields) and fall in the time window, aggregated and compared: "at least 3 orders over 50 in
   * the last 30 days".
   */
  record Related(String path, String object, Node where, String windowField, Integer withinLastDays,
      Aggregate aggregate) implements Node {}

  record Aggregate(String function, String field, Op op, List<Object> values) {}

  /** A value of a calculated insight ({@code <tenant>_cio.<insight>}, one row per member). */
  record Insight(String path, String insight, String field, Op op, List<Object> values) implements Node {}

  /** Membership of another segment. */
  record Segment(String path, String segmentId) implements Node {}
}
