package io.lakecdp.ingest;

import io.lakecdp.common.config.DataStream;
import io.lakecdp.common.config.FieldSpec;
import io.lakecdp.common.job.Messages;
import io.lakecdp.common.sql.TenantSql;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.TryEval;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.runtime.AbstractFunction0;

/**
 * Formula fields of data streams: a Spark SQL expression over the stream's source fields (typed as declared),
 * computed for every record at ingest, in batch and streaming alike.
 * <ul>
 *   <li>Checked before any data is read ({@link #check}): the tenant SQL sandbox (no tables, no files, only
 *       built-in and lakecdp functions), names that are not source fields of the stream, types that do not fit,
 *       and non-deterministic functions (a replayed batch must give the same rows) stop the job with exit 2,
 *       naming the file and the field.</li>
 *   <li>Strict: casts and arithmetic in a formula, and the cast of its result to the declared type, follow ANSI
 *       SQL, so a value that does not fit is an error, not a silent null. A record on which the formula fails
 *       goes to quarantine with the field and the formula as its reason; a null result is just a null.</li>
 * </ul>
 */
public final class Formulas {
  static final String VALUE = "v";

  private Formulas() {}

  /** Checks every formula field of the streams; throws a ConfigException naming the file and field. */
  public static void check(SparkSession spark, Collection<DataStream> streams) {
    for (DataStream stream : streams) {
      for (FieldSpec f : stream.fieldList()) {
        if (f.isFormula()) {
          check(spark, stream, f);
        }
      }
    }
  }

  private static void check(SparkSession spark, DataStream stream, FieldSpec f) {
    new TenantSql(spark, Set.of(), f.origin().file(), f.origin().path()).checkExpression(f.formula());
    List<StructField> source = new ArrayList<>();
    for (FieldSpec s : stream.sourceFields()) {
      source.add(DataTypes.createStructField(s.name(), s.type(), true));
    }
    Dataset<Row> empty = spark.createDataFrame(List.of(), new StructType(source.toArray(new StructField[0])));
    boolean deterministic;
    try {
      deterministic = empty.select(strict(spark, f).as(f.name())).queryExecution().analyzed().deterministic();
    } catch (Exception e) {
      throw f.origin().error("the formula " + shorten(f.formula()) + " cannot be computed from the source fields "
          + "of stream " + stream.name() + " (" + String.join(", ", stream.sourceFields().stream()
          .map(FieldSpec::name).toList()) + ") as " + f.type().simpleString() + ": " + Messages.firstLine(e));
    }
    if (!deterministic) {
      throw f.origin().error("the formula " + shorten(f.formula()) + " is not deterministic (rand, uuid, "
          + "current_timestamp, ...): ingesting the same record again must give the same value");
    }
  }

  /** The formula cast to its field's type, with ANSI (strict) casts and arithmetic. */
  static Column strict(SparkSession spark, FieldSpec f) {
    SQLConf ansi = spark.sessionState().conf().clone();
    ansi.setConfString("spark.sql.ansi.enabled", "true");
    return SQLConf.withExistingConf(ansi, new AbstractFunction0<Column>() {
      @Override
      public Column apply() {
        Expression e;
        try {
          e = spark.sessionState().sqlParser().parseExpression(f.formula());
        } catch (Exception ex) {
          throw f.origin().error("not a valid expression: " + Messages.firstLine(ex));
        }
        return new Column(e).cast(f.type());
      }
    });
  }

  /** A struct holding the formula's value in {@link #VALUE}; null (not a struct of null) when it fails. */
  static Column attempt(SparkSession spark, FieldSpec f) {
    Column struct = functions.struct(strict(spark, f).as(VALUE));
    return new Column(new TryEval(struct.expr()));
  }

  static String shorten(String formula) {
    String oneLine = formula.strip().replaceAll("\\s+", " ");
    return "'" + (oneLine.length() > 80 ? oneLine.substring(0, 77) + "..." : oneLine) + "'";
  }
}
