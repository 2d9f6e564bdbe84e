package io.lakecdp.inspect;

import io.lakecdp.common.config.ConfigException;
import io.lakecdp.common.config.EnvConfig;
import io.lakecdp.common.config.TenantConfig;
import io.lakecdp.common.job.JobCommand;
import io.lakecdp.common.job.JobContext;
import io.lakecdp.common.job.JobMain;
import io.lakecdp.common.job.JobResult;
import io.lakecdp.common.job.Messages;
import io.lakecdp.common.lake.TenantTables;
import io.lakecdp.common.model.DataModel;
import io.lakecdp.common.model.ModelViews;
import io.lakecdp.common.model.UnifiedModel;
import io.lakecdp.common.sql.TenantSql;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Read-only SQL over one tenant's model, as Data Explorer and the Query API answer it: the DMOs ({@code Individual},
 * {@code SalesOrder}, custom DMOs), the unified objects ({@code UnifiedIndividual}, {@code UnifiedLinkIndividual},
 * the unified contact points), every calculated insight by its name and the segment memberships
 * ({@code membership_latest}, {@code membership_history}). The text goes through the tenant SQL sandbox first
 * ({@link TenantSql}): anything but a query (INSERT, CREATE, DROP, MERGE, DELETE, SET, ...), another tenant's or a
 * qualified table, a file path or a function that reaches outside the data is refused with exit 2 before anything
 * runs. The result goes to standard output; the run summary to standard error.
 */
@Command(name = "query", mixinStandardHelpOptions = true,
    description = {"Run one read-only SQL query over a tenant's model and print the result.",
        "Readable names: the tenant's DMOs, UnifiedIndividual, UnifiedLinkIndividual, UnifiedContactPointEmail/Phone/"
            + "Address, each calculated insight by name, membership_latest and membership_history. Statements that "
            + "write or change anything are refused (exit 2).",
        "With --format csv or json, standard output holds the result only (for a pipe); notes go to standard error."})
public class QueryCommand extends JobCommand {
  /** The row limit when none is given, as Data Explorer's. */
  public static final int DEFAULT_LIMIT = 1000;

  enum Format { table, csv, json }

  @Parameters(index = "0", paramLabel = "SQL", description = "The query (SELECT ... or WITH ... SELECT ...).")
  String sql;

  @Option(names = "--limit", defaultValue = "" + DEFAULT_LIMIT, paramLabel = "N",
      description = "Rows to print at most (default: ${DEFAULT-VALUE}); a line on standard error says when the result "
          + "was cut. 0: all rows.")
  int limit;

  enum Engine { spark, trino }

  @Option(names = "--engine", defaultValue = "spark", paramLabel = "ENGINE",
      description = "spark (default: this job's own session over the lake) or trino (the Trino server at --trino-url, "
          + "over the tenant's model views in the catalog; see scripts/trino.sh).")
  Engine engine;

  @Option(names = "--trino-url", defaultValue = "${env:LAKECDP_TRINO_URL}", paramLabel = "URL",
      description = "Trino's address for --engine trino, e.g. http://127.0.0.1:8080 (default: $LAKECDP_TRINO_URL).")
  String trinoUrl;

  @Option(names = "--format", defaultValue = "table", paramLabel = "FORMAT",
      description = "table (aligned columns, default), csv (a header line, then rows) or json (one JSON object per row).")
  Format format;

  public static void main(String[] args) {
    JobMain.exit(new QueryCommand(), args);
  }

  public QueryCommand() {
    super("query", Trait.READ_ONLY, Trait.SUMMARY_ON_STANDARD_ERROR);
  }

  @Override
  protected void validate(EnvConfig env, TenantConfig tenant) {
    if (limit < 0) {
      throw new ConfigException("command line", "--limit", "must be 0 (all rows) or more, found " + limit);
    }
    if (sql == null || sql.isBlank()) {
      throw new ConfigException("command line", "SQL", "the query is empty");
    }
  }

  @Override
  protected JobResult execute(JobContext ctx) {
    SparkSession spark = ctx.spark();
    TenantTables tables = ctx.tables();
    ctx.step("registering the model's names");
    Set<String> readable = new TreeSet<>(new DataModel(spark, ctx.tenant(), tables).registerViews());
    UnifiedModel.registerViews(spark, tables);
    readable.addAll(UnifiedModel.VIEWS.keySet());
    for (String table : ctx.lake().tables(tables.namespace("cio"))) {
      String name = table.substring(table.lastIndexOf('.') + 1);
      spark.table(table).createOrReplaceTempView(name);
      readable.add(name);
    }
    for (String name : List.of(TenantTables.MEMBERSHIP_LATEST, TenantTables.MEMBERSHIP_HISTORY)) {
      String table = tables.seg(name);
      if (spark.catalog().tableExists(table)) {
        spark.table(table).createOrReplaceTempView(name);
      }
      readable.add(name);
    }
    new TenantSql(spark, readable, "command line", "SQL").checkQuery(sql);

    ctx.step("running the query (" + engine + ")");
    long started = System.nanoTime();
    Answer answer = engine == Engine.trino ? trino(ctx) : spark(spark);
    long queryMs = (System.nanoTime() - started) / 1_000_000L;
    List<String> columns = answer.columns();
    List<String> lines = answer.json();
    List<String[]> rows = answer.rows();
    int count = lines != null ? lines.size() : rows.size();
    boolean cut = limit > 0 && count > limit;
    int shown = cut ? limit : count;
    PrintWriter out = spec.commandLine().getOut();
    switch (format) {
      case json -> lines.subList(0, shown).forEach(out::println);
      case csv -> {
        out.println(String.join(",", columns.stream().map(QueryCommand::csv).toList()));
        for (String[] r : rows.subList(0, shown)) {
          List<String> cells = new ArrayList<>();
          for (String v : r) {
            cells.add(v == null ? "" : csv(v));
          }
          out.println(String.join(",", cells));
        }
      }
      case table -> printTable(out, columns, rows.subList(0, shown));
    }
    out.flush();
    PrintWriter err = spec.commandLine().getErr();
    if (cut) {
      err.println("-- the result was cut at " + limit + " rows (--limit " + limit + "); --limit 0 prints all rows");
    } else {
      err.println("-- " + shown + (shown == 1 ? " row" : " rows"));
    }
    err.flush();
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("columns", columns);
    details.put("rows_returned", shown);
    details.put("truncated", cut);
    details.put("limit", limit);
    details.put("format", format.name());
    details.put("engine", engine.name());
    details.put("query_ms", queryMs);
    return JobResult.of(0, shown, details);
  }

  /** A result: its columns, and either its rows as text or (format json) one JSON object per row. */
  record Answer(List<String> columns, List<String[]> rows, List<String> json) {}

  private Answer spark(SparkSession spark) {
    Dataset<Row> result;
    try {
      result = spark.sql(sql);
      result.schema(); // analysis: unknown columns and names of objects not yet built fail here
    } catch (Exception e) { // Spark's AnalysisException is checked to javac but never declared
      if (!(e instanceof AnalysisException)) {
        throw e instanceof RuntimeException re ? re : new IllegalStateException(e);
      }
      throw new ConfigException("command line", "SQL", Messages.firstLine(e.getMessage())
          + (e.getMessage().contains("TABLE_OR_VIEW_NOT_FOUND") ? NOT_BUILT : ""));
    }
    List<String> columns = List.of(result.columns());
    Dataset<Row> bounded = limit > 0 ? result.limit(limit + 1) : result;
    if (format == Format.json) {
      return new Answer(columns, List.of(), bounded.toJSON().collectAsList());
    }
    // Spark's own text form of every value (dates, decimals, arrays, maps) so the output matches what it shows.
    Column[] text = columns.stream().map(c -> functions.col("`" + c.replace("`", "``") + "`").cast("string"))
        .toArray(Column[]::new);
    List<String[]> rows = new ArrayList<>();
    for (Row r : bounded.select(text).collectAsList()) {
      String[] values = new String[columns.size()];
      for (int i = 0; i < values.length; i++) {
        values[i] = r.isNullAt(i) ? null : r.getString(i);
      }
      rows.add(values);
    }
    return new Answer(columns, rows, null);
  }

  /**
   * The same query through Trino, over the tenant's model views ({@code <tenant>_dmo}, see ModelViews): the session's
   * schema is that namespace, so the model's names resolve to its views (Trino folds names to lower case).
   */
  private Answer trino(JobContext ctx) {
    if (trinoUrl == null || trinoUrl.isBlank()) {
      throw new ConfigException("command line", "--trino-url", "--engine trino needs the Trino server's URL "
          + "(--trino-url or LAKECDP_TRINO_URL; scripts/trino.sh start prints it)");
    }
    String url = "jdbc:trino://" + trinoUrl.replaceFirst("^https?://", "").replaceFirst("/+$", "") + "/"
        + ctx.env().catalogName() + "/" + ModelViews.namespace(ctx.tenant().name());
    java.util.Properties props = new java.util.Properties();
    props.setProperty("user", System.getProperty("user.name", "lakecdp"));
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(url, props);
        java.sql.Statement st = c.createStatement()) {
      c.setReadOnly(true);
      if (limit > 0) {
        st.setMaxRows(limit + 1);
      }
      try (java.sql.ResultSet rs = st.executeQuery(sql)) {
        java.sql.ResultSetMetaData md = rs.getMetaData();
        List<String> columns = new ArrayList<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
          columns.add(md.getColumnLabel(i));
        }
        List<String[]> rows = new ArrayList<>();
        List<String> json = new ArrayList<>();
        while (rs.next()) {
          if (format == Format.json) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (int i = 1; i <= columns.size(); i++) {
              Object v = rs.getObject(i);
              m.put(columns.get(i - 1), v == null || v instanceof Number || v instanceof Boolean ? v : v.toString());
            }
            json.add(io.lakecdp.common.job.Json.mapper().writeValueAsString(m));
          } else {
            String[] values = new String[columns.size()];
            for (int i = 1; i <= values.length; i++) {
              values[i - 1] = rs.getString(i);
            }
            rows.add(values);
          }
        }
        return new Answer(columns, rows, format == Format.json ? json : null);
      }
    } catch (java.sql.SQLException e) {
      String m = String.valueOf(e.getMessage());
      if (m.contains("does not exist") || m.contains("cannot be resolved") || m.contains("mismatched input")) {
        throw new ConfigException("command line", "SQL", Messages.firstLine(m) + (m.contains("does not exist") ? NOT_BUILT
            + "; the views are refreshed by the jobs, or by catalog views --tenant T" : ""));
      }
      throw new IllegalStateException("Trino at " + trinoUrl + ": " + Messages.firstLine(m), e);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final String NOT_BUILT = " (an object exists once the stage that builds it has run: unified objects "
      + "after identity resolution, insights after calculated-insights, memberships after segmentation)";

  private static void printTable(PrintWriter out, List<String> columns, List<String[]> rows) {
    int[] width = new int[columns.size()];
    for (int i = 0; i < width.length; i++) {
      width[i] = columns.get(i).length();
      for (String[] r : rows) {
        width[i] = Math.max(width[i], cell(r[i]).length());
      }
    }
    StringBuilder rule = new StringBuilder("+");
    for (int w : width) {
      rule.append("-".repeat(w + 2)).append('+');
    }
    out.println(rule);
    out.println(line(columns.toArray(new String[0]), width));
    out.println(rule);
    for (String[] r : rows) {
      out.println(line(r, width));
    }
    out.println(rule);
  }

  private static String line(String[] values, int[] width) {
    StringBuilder s = new StringBuilder("|");
    for (int i = 0; i < width.length; i++) {
      String v = cell(values[i]);
      s.append(' ').append(v).append(" ".repeat(width[i] - v.length())).append(" |");
    }
    return s.toString();
  }

  private static String cell(String v) {
    return v == null ? "NULL" : v.replace('\n', ' ');
  }

  /** RFC 4180: a value with a comma, a quote or a line break is quoted, quotes doubled. */
  static String csv(String v) {
    if (v.indexOf(',') < 0 && v.indexOf('"') < 0 && v.indexOf('\n') < 0 && v.indexOf('\r') < 0) {
      return v;
    }
    return '"' + v.replace("\"", "\"\"") + '"';
  }
}
