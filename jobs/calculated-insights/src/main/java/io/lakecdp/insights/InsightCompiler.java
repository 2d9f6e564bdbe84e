package io.lakecdp.insights;

import io.lakecdp.common.config.ConfigException;
import io.lakecdp.common.config.definition.InsightDefinition;
import io.lakecdp.common.job.Messages;
import io.lakecdp.common.lake.InputFingerprint;
import io.lakecdp.common.lake.PlanInputs;
import io.lakecdp.common.lake.TenantTables;
import io.lakecdp.common.model.DmoDefinition;
import io.lakecdp.common.model.UnifiedModel;
import io.lakecdp.common.sql.TenantSql;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.Alias;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.expressions.aggregate.AggregateExpression;
import org.apache.spark.sql.catalyst.plans.logical.Aggregate;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import scala.collection.JavaConverters;

/**
 * Checks insights against the data model without reading data (the DMOs as empty views of their
 * schemas), and finds the Iceberg tables an analyzed insight reads, with their snapshots.
 */
public final class InsightCompiler {
  private InsightCompiler() {}

  /** Registers every DMO as an empty view of its schema and every existing unified table under its view name. */
  public static void registerSchemaViews(SparkSession spark, Map<String, DmoDefinition> dmos, TenantTables tables) {
    dmos.forEach((name, def) -> spark.createDataFrame(List.<Row>of(), def.schema()).createOrReplaceTempView(name));
    UnifiedModel.registerViews(spark, tables);
  }

  /**
   * Checks the insight in the tenant SQL sandbox ({@code readable}: the model's names, see {@link TenantSql}),
   * analyzes it (views must be registered) and checks its shape: it aggregates, every output
   * column is declared, every measure is an aggregate and every dimension is grouped by.
   */
  public static Dataset<Row> check(SparkSession spark, InsightDefinition insight, Set<String> readable) {
    String where = insight.file().toString();
    new TenantSql(spark, readable, where, "sql").checkQuery(insight.sql());
    Dataset<Row> df;
    try {
      df = spark.sql(insight.sql());
    } catch (Exception e) {
      throw new ConfigException(where, "sql", Messages.firstLine(e) + hint(e));
    }
    LogicalPlan plan = df.queryExecution().analyzed();
    Aggregate agg = firstAggregate(plan);
    if (agg == null) {
      throw new ConfigException(where, "sql", "an insight must aggregate: add GROUP BY over its dimensions "
          + insight.dimensions() + " (or aggregate everything, with no dimensions)");
    }
    List<String> output = Arrays.asList(df.columns());
    List<String> declared = new ArrayList<>(insight.dimensions());
    declared.addAll(insight.measures());
    for (String c : declared) {
      if (!output.contains(c)) {
        throw new ConfigException(where, insight.dimensions().contains(c) ? "dimensions" : "measures",
            "'" + c + "' is not a column of the query (columns: " + String.join(", ", output) + ")");
      }
    }
    for (String c : output) {
      if (!declared.contains(c)) {
        throw new ConfigException(where, "sql", "column '" + c + "' is neither a declared dimension nor a measure");
      }
    }
    Map<String, Expression> byName = new LinkedHashMap<>();
    for (NamedExpression e : JavaConverters.seqAsJavaList(agg.aggregateExpressions())) {
      byName.put(e.name(), e instanceof Alias a ? a.child() : (Expression) (Object) e);
    }
    List<Expression> grouping = JavaConverters.seqAsJavaList(agg.groupingExpressions());
    for (String m : insight.measures()) {
      Expression e = byName.get(m);
      if (e == null || !containsAggregate(e)) {
        throw new ConfigException(where, "measures", "'" + m + "' is not an aggregate (use SUM, COUNT, AVG, MIN, MAX, ...)");
      }
    }
    for (String d : insight.dimensions()) {
      Expression e = byName.get(d);
      if (e == null || containsAggregate(e) || grouping.stream().noneMatch(g -> g.semanticEquals(e))) {
        throw new ConfigException(where, "dimensions", "'" + d + "' is not in the GROUP BY");
      }
    }
    return df;
  }

  /** Every Iceberg table the analyzed query reads, with the snapshot it reads ("none" for an empty table). */
  public static String inputs(Dataset<Row> df, String sql) {
    return PlanInputs.describe(PlanInputs.of(df)) + "sql=" + InputFingerprint.sha256(sql);
  }

  private static Aggregate firstAggregate(LogicalPlan plan) {
    if (plan instanceof Aggregate a) {
      return a;
    }
    for (LogicalPlan child : JavaConverters.seqAsJavaList(plan.children())) {
      Aggregate a = firstAggregate(child);
      if (a != null) {
        return a;
      }
    }
    return null;
  }

  private static boolean containsAggregate(Expression e) {
    if (e instanceof AggregateExpression) {
      return true;
    }
    for (Expression c : JavaConverters.seqAsJavaList(e.children())) {
      if (containsAggregate(c)) {
        return true;
      }
    }
    return false;
  }

  private static String hint(Exception e) {
    if (e instanceof AnalysisException && String.valueOf(e.getMessage()).contains("TABLE_OR_VIEW_NOT_FOUND")) {
      return " (insights read DMOs by name, e.g. Individual, SalesOrder, and the unified tables as "
          + String.join(", ", new TreeSet<>(UnifiedModel.VIEWS.keySet())) + " once identity resolution has run)";
    }
    return "";
  }
}
