package io.lakecdp.ingest;

import io.lakecdp.common.config.DataStream;
import io.lakecdp.common.config.FieldSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;

/**
 * Applies a stream's declared schema to DSO records: every declared field is cast to its type, and
 * a record gets a {@code _reason} when it cannot be loaded (parse error, a value that does not fit
 * its type, a missing primary key). Records with a reason go to quarantine, the rest to the DLO.
 */
final class RecordValidator {
  static final String REASON = "_reason";

  private RecordValidator() {}

  /**
   * @return file, offset, one typed column per declared field, {@code _reason}, {@code _raw} (kept for
   *     rejected records only), {@code _values} (kept only when the source has undeclared columns, so they
   *     can be added later) and {@code _extra} (undeclared JSON keys)
   */
  static Dataset<Row> validate(SourceReader.Dso dso, DataStream stream) {
    List<Column> raw = new ArrayList<>();
    raw.add(functions.col("*"));
    List<FieldSpec> fields = stream.sourceFields();
    for (int i = 0; i < fields.size(); i++) {
      int position = dso.columns().indexOf(fields.get(i).sourceName());
      raw.add((position < 0 ? functions.lit(null).cast(DataTypes.StringType)
          : functions.col(SourceReader.VALUES).getItem(position)).as(rawName(i)));
    }
    boolean undeclared = dso.columns().stream()
        .anyMatch(c -> fields.stream().noneMatch(f -> f.sourceName().equals(c)));
    Dataset<Row> withRaw = dso.records().select(raw.toArray(new Column[0]));

    List<String> passThrough = new ArrayList<>(List.of(SourceReader.ERROR, SourceReader.RAW, SourceReader.VALUES,
        SourceReader.EXTRA));
    for (String c : dso.records().columns()) {
      if (c.startsWith("_kafka_")) {
        passThrough.add(c);  // system columns of Kafka records pass through
      }
    }

    // step 1: every source field typed, once: the checks below read the typed column, so a value is parsed a single
    // time per record (a cast repeated inside a condition is not shared by Spark's subexpression elimination)
    List<Column> typedCols = new ArrayList<>();
    typedCols.add(functions.col(SourceReader.FILE));
    typedCols.add(functions.col(SourceReader.OFFSET));
    for (int i = 0; i < fields.size(); i++) {
      typedCols.add(typed(rawName(i), fields.get(i)).as(fields.get(i).name()));
      typedCols.add(functions.col(rawName(i)));
    }
    passThrough.forEach(c -> typedCols.add(functions.col(c)));
    Dataset<Row> typedOnce = withRaw.select(typedCols.toArray(new Column[0]));

    // step 1b: the problems of the record so far
    List<Column> checkedCols = new ArrayList<>();
    checkedCols.add(functions.col(SourceReader.FILE));
    checkedCols.add(functions.col(SourceReader.OFFSET));
    List<Column> problems = new ArrayList<>();
    problems.add(functions.col(SourceReader.ERROR));
    for (int i = 0; i < fields.size(); i++) {
      FieldSpec f = fields.get(i);
      Column rawValue = functions.col(rawName(i));
      Column typed = functions.col("`" + f.name() + "`");
      checkedCols.add(typed);
      if (!f.type().equals(DataTypes.StringType)) {
        problems.add(functions.when(rawValue.isNotNull().and(typed.isNull()),
            functions.concat(functions.lit("field " + f.name() + ": cannot read '"),
                functions.substring(rawValue, 1, 100), functions.lit("' as " + describe(f)))));
      }
      if (stream.primaryKey().contains(f.name())) {
        problems.add(functions.when(rawValue.isNull().and(functions.col(SourceReader.ERROR).isNull()),
            functions.lit("missing primary key field " + f.name())));
      }
    }
    Column sofar = functions.concat_ws("; ", problems.toArray(new Column[0]));
    checkedCols.add(functions.when(sofar.notEqual(""), sofar).as(REASON));
    passThrough.forEach(c -> checkedCols.add(functions.col(c)));
    Dataset<Row> typedRows = typedOnce.select(checkedCols.toArray(new Column[0]));

    // step 2: formula fields over the typed source fields; a record a formula fails on gets a reason
    List<Column> out = new ArrayList<>();
    out.add(functions.col(SourceReader.FILE));
    out.add(functions.col(SourceReader.OFFSET));
    List<Column> reasons = new ArrayList<>();
    reasons.add(functions.col(REASON));
    for (FieldSpec f : stream.fieldList()) {
      if (!f.isFormula()) {
        out.add(functions.col(f.name()));
        continue;
      }
      Column attempt = Formulas.attempt(typedRows.sparkSession(), f);
      Column parsed = functions.col(SourceReader.ERROR).isNull();
      out.add(functions.when(parsed, attempt.getField(Formulas.VALUE)).as(f.name()));
      reasons.add(functions.when(parsed.and(attempt.isNull()), functions.lit("field " + f.name() + ": the formula "
          + Formulas.shorten(f.formula()) + " failed on this record")));
    }
    Column joined = functions.concat_ws("; ", reasons.toArray(new Column[0]));
    Column reason = functions.when(joined.equalTo(""), functions.lit(null).cast(DataTypes.StringType)).otherwise(joined);
    out.add(reason.as(REASON));
    out.add(functions.when(reason.isNotNull(), functions.col(SourceReader.RAW)).as(SourceReader.RAW));
    out.add(undeclared ? functions.col(SourceReader.VALUES)
        : functions.lit(null).cast(DataTypes.createArrayType(DataTypes.StringType)).as(SourceReader.VALUES));
    out.add(functions.col(SourceReader.EXTRA));
    passThrough.stream().filter(c -> c.startsWith("_kafka_")).forEach(c -> out.add(functions.col(c)));
    return typedRows.select(out.toArray(new Column[0]));
  }

  /**
   * {@code try_cast(text AS timestamp)}, with a faster path for the most common form, an ISO date and time (with seconds)
   * ending in {@code Z}: Spark resolves a zone written in the text through a lookup that compiles two regular expressions for
   * every value (a fifth of a JSON ingest's time, measured), so such a text is read without its {@code Z} by a cast
   * fixed to UTC, whose zone is resolved once. {@code TimestampTextTest} holds both paths to the same instants.
   */
  static Column utcOrCast(String text) {
    Column plain = functions.expr("try_cast(" + text + " AS timestamp)");
    Column zulu = functions.expr(text).rlike("^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}[T ][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\\.[0-9]+)?Z$");
    Column withoutZ = functions.expr("substr(" + text + ", 1, length(" + text + ") - 1)");
    Column inUtc = new Column(new org.apache.spark.sql.catalyst.expressions.Cast(withoutZ.expr(), DataTypes.TimestampType,
        scala.Option.apply("UTC"), org.apache.spark.sql.catalyst.expressions.EvalMode.TRY()));
    return functions.when(zulu, inUtc).otherwise(plain);
  }

  /**
   * The formats whose every text of the fixed shape given here Spark's cast reads as the same value as the format's
   * parser does: the shape's digits and separators are all the cast needs to see, and it reads them far faster (the
   * formatted parse goes through {@code java.time}'s field resolution, a fifth of a CSV ingest's time with two timestamp
   * columns, measured).
   */
  private static final Map<String, String> CASTABLE_FORMATS = Map.of(
      "yyyy-MM-dd HH:mm:ss", "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$",
      "yyyy-MM-dd'T'HH:mm:ss", "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$",
      "yyyy-MM-dd", "^[0-9]{4}-[0-9]{2}-[0-9]{2}$");

  /**
   * A timestamp or date read with a declared format: {@code try_to_timestamp(text, format)}, or for a format of
   * {@link #CASTABLE_FORMATS} and a text of its shape the cast, which gives the same value. {@code TimestampTextTest}
   * holds both paths to the same values.
   */
  static Column withFormat(Column text, String format, DataType type) {
    // the legacy parser (spark.sql.legacy.timeParserPolicy=LEGACY) is lenient where the cast is not: no fast path
    boolean legacy = "LEGACY".equalsIgnoreCase(org.apache.spark.sql.internal.SQLConf.get()
        .getConfString("spark.sql.legacy.timeParserPolicy", "EXCEPTION"));
    String shape = legacy ? null : CASTABLE_FORMATS.get(format);
    Column parsed = functions.try_to_timestamp(text, functions.lit(format));
    if (shape != null) {
      // a date too is read as a timestamp first, so that its time of day must be valid, as the format's parser wants
      parsed = functions.when(text.rlike(shape), new Column(new org.apache.spark.sql.catalyst.expressions.Cast(text.expr(),
          DataTypes.TimestampType, scala.Option.empty(), org.apache.spark.sql.catalyst.expressions.EvalMode.TRY())))
          .otherwise(parsed);
    }
    return type.equals(DataTypes.DateType) ? parsed.cast(DataTypes.DateType) : parsed;
  }

  private static String rawName(int i) {
    return "__raw_" + i;
  }

  private static String describe(FieldSpec f) {
    return f.type().simpleString() + (f.format() == null ? "" : " with format '" + f.format() + "'");
  }

  /** The cast of a raw string column; null when the value does not fit (never an exception, even with ANSI on). */
  static Column typed(String rawColumn, FieldSpec f) {
    // Tenant text (the field name, a date format) never becomes SQL text: the name is quoted, the format a literal.
    String v = "trim(`" + rawColumn.replace("`", "``") + "`)";
    Column trimmed = functions.trim(functions.col("`" + rawColumn.replace("`", "``") + "`"));
    DataType t = f.type();
    if (t.equals(DataTypes.StringType)) {
      return functions.col(rawColumn);
    }
    if (t.equals(DataTypes.BooleanType)) {
      return functions.expr("CASE WHEN lower(" + v + ") IN ('true','t','yes','y','1') THEN true "
          + "WHEN lower(" + v + ") IN ('false','f','no','n','0') THEN false END");
    }
    if (t.equals(DataTypes.TimestampType)) {
      return f.format() == null
          ? utcOrCast(v)
          : withFormat(trimmed, f.format(), DataTypes.TimestampType);
    }
    if (t.equals(DataTypes.DateType)) {
      return f.format() == null
          ? functions.expr("try_cast(" + v + " AS date)")
          : withFormat(trimmed, f.format(), DataTypes.DateType);
    }
    String sqlType = t instanceof DecimalType d ? "decimal(" + d.precision() + "," + d.scale() + ")" : t.sql();
    return functions.expr("try_cast(" + v + " AS " + sqlType + ")");
  }
}
