package io.lakecdp.identity;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;

/**
 * Builds one unified row per unified id: for every field, the value its reconciliation rule picks
 * among the cluster's source records (ties: the larger record id), and ({@code <field>_source}) the record it
 * came from.
 */
final class Reconciler {
  static final List<String> FIELDS = io.lakecdp.common.model.StandardModel.UNIFIED_INDIVIDUAL_FIELDS;

  private Reconciler() {}

  /** @param linked profiles with {@code unified_id}, {@code source} and {@code last_modified} */
  static Dataset<Row> unify(Dataset<Row> linked, Reconciliation rules) {
    Dataset<Row> rows = linked;
    List<Column> aggs = new ArrayList<>();
    for (String f : FIELDS) {
      Reconciliation.Rule rule = rules.forField(f);
      Column present = rule.ignoreEmpty()
          ? functions.col(f).isNotNull().and(functions.trim(functions.col(f).cast("string")).notEqual(""))
          : functions.lit(true);
      Column order;
      switch (rule.method()) {
        case MOST_FREQUENT -> {
          rows = rows.withColumn("__n_" + f, functions.count("*").over(Window.partitionBy("unified_id", f)));
          order = functions.struct(present, functions.col("__n_" + f), functions.col("last_modified"));
        }
        case SOURCE_PRIORITY -> {
          Column rank = functions.lit(-rule.sources().size());
          for (int i = rule.sources().size() - 1; i >= 0; i--) {
            rank = functions.when(functions.col("source").equalTo(rule.sources().get(i)), functions.lit(-i)).otherwise(rank);
          }
          order = functions.struct(present, rank, functions.col("last_modified"));
        }
        default -> order = functions.struct(present, functions.col("last_modified"));
      }
      Column tie = functions.col(ResolutionEngine.ID);
      aggs.add(functions.max_by(functions.struct(functions.col(f).as("v"), tie.as("r")),
          functions.struct(order, tie)).as("__" + f));
    }
    Dataset<Row> grouped = rows.groupBy("unified_id")
        .agg(functions.count("*").as("source_records"), aggs.toArray(new Column[0]));
    List<Column> out = new ArrayList<>();
    out.add(functions.col("unified_id"));
    for (String f : FIELDS) {
      out.add(functions.col("__" + f + ".v").as(f));
      out.add(functions.when(functions.col("__" + f + ".v").isNotNull(), functions.col("__" + f + ".r")).as(f + "_source"));
    }
    out.add(functions.col("source_records"));
    return grouped.select(out.toArray(new Column[0]));
  }
}
