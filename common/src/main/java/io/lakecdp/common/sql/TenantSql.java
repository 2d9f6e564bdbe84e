package io.lakecdp.common.sql;

import io.lakecdp.common.config.ConfigException;
import io.lakecdp.common.config.TenantConfig;
import io.lakecdp.common.job.Messages;
import io.lakecdp.common.model.UnifiedModel;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.analysis.UnresolvedFunction;
import org.apache.spark.sql.catalyst.analysis.UnresolvedGenerator;
import org.apache.spark.sql.catalyst.analysis.UnresolvedRelation;
import org.apache.spark.sql.catalyst.analysis.UnresolvedTableValuedFunction;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.SubqueryExpression;
import org.apache.spark.sql.catalyst.parser.ParseException;
import org.apache.spark.sql.catalyst.plans.QueryPlan;
import org.apache.spark.sql.catalyst.plans.logical.Command;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.ParsedStatement;
import org.apache.spark.sql.catalyst.plans.logical.UnresolvedWith;
import scala.Tuple2;
import scala.collection.JavaConverters;

/**
 * The sandbox for tenant-authored SQL (insights, activation conditions, and whatever else a tenant writes that Spark
 * runs): the text is parsed, never run, and refused unless it is a query that reads only the tenant's own model by
 * name and calls only Spark's built-in functions (and lakecdp's own) that stay inside the data. Refused:
 * <ul>
 *   <li>any name that is not one of the model's views (a catalog- or namespace-qualified table such as
 *       {@code lake.other_dlo.contacts}, an unqualified table of the current namespace, a file path such as
 *       {@code text.`/etc/hostname`} or {@code parquet.`s3://...`});</li>
 *   <li>table-valued functions and {@code IDENTIFIER(...)} (names built at run time);</li>
 *   <li>functions that reach outside the data: {@link #DENIED_FUNCTIONS}, and any function that is neither built in
 *       nor registered by lakecdp (persistent catalog functions);</li>
 *   <li>anything but a query: DDL, DML, {@code SET}, {@code ADD JAR}, {@code CACHE}, ...</li>
 * </ul>
 * Every refusal is a {@link ConfigException} naming the file, the field and the offending name.
 */
public final class TenantSql {
  /** Functions that call into the JVM or reveal where data lives or who runs the job. */
  public static final Set<String> DENIED_FUNCTIONS = Set.of("reflect", "java_method", "try_reflect",
      "input_file_name", "input_file_block_start", "input_file_block_length", "current_user", "user", "session_user");

  private final SparkSession spark;
  private final Set<String> relations;
  private final String file;
  private final String field;

  /**
   * @param relations the names the tenant may read (its DMOs, unified views, ...), matched without regard to case
   * @param file the file the text comes from, for messages
   * @param field where in that file, for messages
   */
  public TenantSql(SparkSession spark, Set<String> relations, String file, String field) {
    this.spark = spark;
    this.relations = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    this.relations.addAll(relations);
    this.file = file;
    this.field = field;
  }

  /** The names a tenant's SQL may read: its DMOs and the unified model's views ({@code UnifiedIndividual}, ...). */
  public static Set<String> modelNames(TenantConfig tenant) {
    Set<String> out = new TreeSet<>(tenant.dmos().keySet());
    out.addAll(UnifiedModel.VIEWS.keySet());
    return out;
  }

  /** Checks a query (SELECT, WITH ...); throws when the sandbox refuses it or it does not parse. */
  public void checkQuery(String sql) {
    LogicalPlan plan;
    try {
      plan = spark.sessionState().sqlParser().parseQuery(sql);
    } catch (ParseException e) {
      throw refuse("not a single query (only SELECT ... or WITH ... SELECT ... is allowed): " + Messages.firstLine(e));
    }
    walk(plan, new HashSet<>());
  }

  /** Checks a condition or value expression over a model object (it may hold subqueries). */
  public void checkExpression(String expression) {
    Expression e;
    try {
      e = spark.sessionState().sqlParser().parseExpression(expression);
    } catch (ParseException ex) {
      throw refuse("not a valid expression: " + Messages.firstLine(ex));
    }
    walk(e, new HashSet<>());
  }

  private void walk(LogicalPlan plan, Set<String> ctes) {
    Set<String> scope = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    scope.addAll(ctes);
    if (plan instanceof Command || plan instanceof ParsedStatement) {
      throw refuse("not a single query (only SELECT ... or WITH ... SELECT ... is allowed): "
          + plan.nodeName() + " is a statement");
    }
    String kind = plan.getClass().getSimpleName();
    if (kind.contains("UnresolvedIdentifier")) {
      throw refuse("IDENTIFIER(...) is not allowed: name the model's objects directly");
    }
    if (plan instanceof UnresolvedTableValuedFunction f) {
      throw refuse("the table function '" + String.join(".", seq(f.name())) + "' is not allowed: read the model's "
          + "objects by name (" + String.join(", ", relations) + ")");
    }
    if (plan instanceof UnresolvedWith with) {
      for (Tuple2<String, ?> cte : seq(with.cteRelations())) {
        scope.add(cte._1());
      }
    }
    if (plan instanceof UnresolvedRelation r) {
      List<String> name = seq(r.multipartIdentifier());
      String text = String.join(".", name);
      if (name.size() != 1 || !(relations.contains(name.get(0)) || scope.contains(name.get(0)))) {
        throw refuse("reads '" + text + "', which is not an object of this tenant's model (readable: "
            + String.join(", ", relations) + (name.size() > 1 ? "; qualified names, other tenants' tables and "
            + "file paths are never readable" : "") + ")");
      }
    }
    for (Expression e : seq(plan.expressions())) {
      walk(e, scope);
    }
    for (LogicalPlan child : seq(plan.children())) {
      walk(child, scope);
    }
    for (QueryPlan<?> inner : seq(plan.innerChildren())) {
      if (inner instanceof LogicalPlan p) {
        walk(p, scope);
      }
    }
  }

  private void walk(Expression root, Set<String> ctes) {
    Deque<Expression> todo = new ArrayDeque<>();
    todo.push(root);
    while (!todo.isEmpty()) {
      Expression e = todo.pop();
      if (e.getClass().getSimpleName().contains("UnresolvedIdentifier")) {
        throw refuse("IDENTIFIER(...) is not allowed: name the model's objects directly");
      }
      if (e instanceof UnresolvedFunction f) {
        checkFunction(seq(f.nameParts()));
      } else if (e instanceof UnresolvedGenerator g) {
        checkFunction(List.of(g.name().funcName()));
      }
      if (e instanceof SubqueryExpression s) {
        walk(s.plan(), ctes);
      }
      seq(e.children()).forEach(todo::push);
    }
  }

  private void checkFunction(List<String> nameParts) {
    String name = String.join(".", nameParts);
    String simple = nameParts.get(nameParts.size() - 1).toLowerCase(Locale.ROOT);
    if (nameParts.size() != 1 || DENIED_FUNCTIONS.contains(simple)) {
      throw refuse("calls '" + name + "', which is not allowed in tenant SQL (it reaches outside the data)");
    }
    if (!spark.sessionState().functionRegistry().functionExists(FunctionIdentifier.apply(simple))) {
      throw refuse("calls '" + name + "', which is neither a Spark built-in function nor one of lakecdp's");
    }
  }

  private ConfigException refuse(String problem) {
    return new ConfigException(file, field, problem);
  }

  private static <T> List<T> seq(scala.collection.Seq<T> s) {
    return JavaConverters.seqAsJavaList(s);
  }
}
