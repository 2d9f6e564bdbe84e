package io.lakecdp.common.config.definition;

import java.util.Locale;

/** Comparison operators of attribute, aggregate and insight leaves, with how many values each takes. */
public enum Op {
  EQ(1), NE(1), IN(-1), NOT_IN(-1), GT(1), GTE(1), LT(1), LTE(1), BETWEEN(2), CONTAINS(1), STARTS_WITH(1),
  IS_NULL(0), IS_NOT_NULL(0), WITHIN_LAST(1), BEFORE(1), AFTER(1), ON(1);

  /** Number of values; -1 for a list of one or more. */
  public final int arity;

  Op(int arity) {
    this.arity = arity;
  }

  public String yamlName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static String names() {
    StringBuilder sb = new StringBuilder();
    for (Op op : values()) {
      sb.append(sb.length() == 0 ? "" : ", ").append(op.yamlName());
    }
    return sb.toString();
  }
}
