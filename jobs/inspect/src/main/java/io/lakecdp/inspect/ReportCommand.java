package io.lakecdp.inspect;

import io.lakecdp.common.config.EnvConfig;
import io.lakecdp.common.config.TenantConfig;
import io.lakecdp.common.job.JobCommand;
import io.lakecdp.common.job.JobContext;
import io.lakecdp.common.job.JobMain;
import io.lakecdp.common.job.JobResult;
import io.lakecdp.common.lake.TenantTables;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A self-contained HTML page about a tenant's runs: the last run of every stage, identity resolution's
 * consolidation and cluster sizes, segment populations over publishes, and activation deliveries. Charts are
 * inline SVG; the page loads nothing from anywhere.
 */
@Command(name = "report", mixinStandardHelpOptions = true, sortOptions = false,
    description = """
        Write an HTML run report for a tenant (self-contained: inline SVG charts, no scripts or fonts):
        last runs of each stage, identity resolution consolidation and cluster sizes, the learned match weights
        (m and u per comparison level) with the weight waterfall of sample pairs, segment populations over
        publishes, activation deliveries. Prints the file's path.""")
public class ReportCommand extends JobCommand {

  @Option(names = "--out", paramLabel = "FILE", description = "Where to write the page (default: reports/<tenant>.html).")
  Path out;

  public ReportCommand() {
    super("report", Trait.READ_ONLY);
  }

  @Override
  protected void validate(EnvConfig env, TenantConfig tenant) {
    if (out == null) {
      out = Path.of("reports", tenant.name() + ".html");
    }
  }

  @Override
  protected JobResult execute(JobContext ctx) {
    SparkSession spark = ctx.spark();
    TenantTables t = ctx.tables();
    StringBuilder html = new StringBuilder();
    html.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>lakecdp report: ")
        .append(Svg.esc(ctx.tenant().name())).append("</title><style>")
        .append("body{font-family:sans-serif;margin:24px;color:#222;max-width:1100px}h1{font-size:22px}")
        .append("h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ccc}table{border-collapse:collapse;font-size:13px}")
        .append("td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}th{background:#f3f3f3}")
        .append(".ok{color:#2f7d32}.bad{color:#b3261e}.muted{color:#777}svg text{font-size:11px;font-family:sans-serif}")
        .append("</style></head><body>");
    html.append("<h1>lakecdp run report: tenant ").append(Svg.esc(ctx.tenant().name())).append("</h1>")
        .append("<p class=\"muted\">Generated ").append(Instant.now()).append("</p>");
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("stages", lastRuns(spark, t, html));
    details.put("identity", identity(spark, t, html));
    details.put("match_weights", matchWeights(spark, t, ctx.env().warehouse(), ctx.tenant().name(), html));
    details.put("segments", segments(spark, t, html));
    details.put("activations", activations(spark, t, html));
    html.append("</body></html>\n");
    try {
      if (out.toAbsolutePath().getParent() != null) {
        Files.createDirectories(out.toAbsolutePath().getParent());
      }
      Files.writeString(out, html);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + out + ": " + e.getMessage(), e);
    }
    details.put("report", out.toAbsolutePath().toString());
    spec.commandLine().getOut().println("Report: " + out.toAbsolutePath());
    return JobResult.of(0, 1, details);
  }

  private static int lastRuns(SparkSession spark, TenantTables t, StringBuilder html) {
    html.append("<h2>Last run of each stage</h2>");
    if (!spark.catalog().tableExists(t.jobRuns())) {
      html.append("<p class=\"muted\">No runs recorded yet.</p>");
      return 0;
    }
    List<Row> rows = spark.sql("SELECT job, status, started_at, duration_ms, rows_in, rows_out, rows_quarantined, run_id "
        + "FROM (SELECT *, row_number() OVER (PARTITION BY job ORDER BY started_at DESC) AS rn FROM " + t.jobRuns()
        + ") WHERE rn = 1 AND job <> 'report' ORDER BY started_at").collectAsList();
    html.append("<table><tr><th>stage</th><th>status</th><th>started</th><th>duration</th><th>rows in</th>")
        .append("<th>rows out</th><th>quarantined</th><th>run id</th></tr>");
    Map<String, Double> seconds = new LinkedHashMap<>();
    for (Row r : rows) {
      String status = r.getString(1);
      html.append("<tr><td>").append(Svg.esc(r.getString(0))).append("</td><td class=\"")
          .append("succeeded".equals(status) ? "ok" : "bad").append("\">").append(Svg.esc(status)).append("</td><td>")
          .append(r.get(2)).append("</td><td>").append(String.format(Locale.ROOT, "%.1f s", r.getLong(3) / 1000.0))
          .append("</td><td>").append(r.get(4)).append("</td><td>").append(r.get(5)).append("</td><td>")
          .append(r.get(6)).append("</td><td>").append(Svg.esc(r.getString(7))).append("</td></tr>");
      seconds.put(r.getString(0), r.getLong(3) / 1000.0);
    }
    html.append("</table>");
    html.append(Svg.barChart("Duration of the last run (s)", seconds, "%.1f"));
    return rows.size();
  }

  private static Map<String, Object> identity(SparkSession spark, TenantTables t, StringBuilder html) {
    html.append("<h2>Identity resolution</h2>");
    Map<String, Object> m = new LinkedHashMap<>();
    String link = t.unifiedLink();
    if (!spark.catalog().tableExists(link)) {
      html.append("<p class=\"muted\">Identity resolution has not run yet.</p>");
      return m;
    }
    Map<Long, Long> sizes = new TreeMap<>();
    for (Row r : spark.table(link).groupBy("unified_id").count().groupBy("count").count().collectAsList()) {
      sizes.put(r.getLong(0), r.getLong(1));
    }
    long source = 0;
    long unified = 0;
    for (Map.Entry<Long, Long> e : sizes.entrySet()) {
      source += e.getKey() * e.getValue();
      unified += e.getValue();
    }
    double rate = source == 0 ? 0 : 1 - (double) unified / source;
    m.put("source_profiles", source);
    m.put("unified_profiles", unified);
    m.put("consolidation_rate", rate);
    html.append(String.format(Locale.ROOT, "<p>%,d source profiles resolved into %,d unified profiles: consolidation "
        + "rate <b>%.1f%%</b>.</p>", source, unified, rate * 100));
    Map<String, Double> histogram = new LinkedHashMap<>();
    for (String bin : List.of("1", "2", "3", "4", "5", "6-10", "11+")) {
      histogram.put(bin, 0.0);
    }
    sizes.forEach((size, count) -> {
      String bin = size <= 5 ? Long.toString(size) : size <= 10 ? "6-10" : "11+";
      histogram.merge(bin, (double) count, Double::sum);
    });
    html.append(Svg.barChart("Unified profiles by cluster size (source records per unified profile)", histogram, "%,.0f"));
    return m;
  }

  /**
   * With learned weights: the model's m, u and weight per comparison level (from the model file identity
   * resolution saved), and the weight waterfall of a few matched pairs of {@code match_explanations}.
   */
  private static Map<String, Object> matchWeights(SparkSession spark, TenantTables t, String warehouse, String tenant,
      StringBuilder html) {
    Map<String, Object> m = new LinkedHashMap<>();
    String explanations = t.matchExplanations();
    org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(warehouse.replaceAll("/+$", "") + "/_models/" + tenant
        + "/identity-model.json");
    com.fasterxml.jackson.databind.JsonNode model;
    try {
      org.apache.hadoop.fs.FileSystem fs = file.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(file)) {
        return m;
      }
      try (java.io.InputStream in = fs.open(file)) {
        model = io.lakecdp.common.job.Json.mapper().readTree(in);
      }
    } catch (IOException e) {
      html.append("<p class=\"bad\">Cannot read the match model ").append(Svg.esc(file.toString())).append("</p>");
      return m;
    }
    html.append("<h2>Learned match weights</h2><p>Fellegi-Sunter model learned from the tenant's records (")
        .append(Svg.esc(file.toString())).append(String.format(Locale.ROOT, "); prior weight %.2f bits.</p>",
            model.get("prior_weight").asDouble()));
    html.append("<table><tr><th>comparison</th><th>level</th><th>m</th><th>u</th><th>weight (bits)</th></tr>");
    int levels = 0;
    for (com.fasterxml.jackson.databind.JsonNode c : model.get("comparisons")) {
      for (com.fasterxml.jackson.databind.JsonNode l : c.get("levels")) {
        html.append("<tr><td>").append(Svg.esc(c.get("name").asText())).append("</td><td>").append(Svg.esc(l.get("level").asText()))
            .append(String.format(Locale.ROOT, "</td><td>%.4f</td><td>%.6f</td><td class=\"%s\">%+.2f</td></tr>",
                l.get("m").asDouble(), l.get("u").asDouble(), l.get("weight").asDouble() >= 0 ? "ok" : "bad",
                l.get("weight").asDouble()));
        levels++;
      }
    }
    html.append("</table>");
    m.put("levels", levels);
    if (!spark.catalog().tableExists(explanations)
        || !java.util.Arrays.asList(spark.table(explanations).columns()).contains("levels")) {
      return m;
    }
    List<Row> pairs = spark.table(explanations).filter("rule = 'weights'").orderBy("record_id_a", "record_id_b").limit(3)
        .collectAsList();
    double prior = model.get("prior_weight").asDouble();
    for (Row r : pairs) {
      Map<String, Double> scores = r.getJavaMap(r.fieldIndex("scores"));
      Map<String, String> lv = r.getJavaMap(r.fieldIndex("levels"));
      List<String[]> steps = new java.util.ArrayList<>();
      steps.add(new String[] {"prior", "", Double.toString(prior)});
      for (com.fasterxml.jackson.databind.JsonNode c : model.get("comparisons")) {
        String name = c.get("name").asText();
        if (scores.containsKey(name)) {
          steps.add(new String[] {name, lv.getOrDefault(name, ""), Double.toString(scores.get(name))});
        }
      }
      html.append(Svg.waterfall(r.getString(r.fieldIndex("record_id_a")) + " ~ " + r.getString(r.fieldIndex("record_id_b")),
          steps, scores.getOrDefault("match_probability", Double.NaN)));
    }
    m.put("waterfalls", pairs.size());
    return m;
  }

  private static Map<String, Object> segments(SparkSession spark, TenantTables t, StringBuilder html) {
    html.append("<h2>Segment populations over publishes</h2>");
    Map<String, Object> m = new LinkedHashMap<>();
    String runs = t.segmentRuns();
    if (!spark.catalog().tableExists(runs)) {
      html.append("<p class=\"muted\">No segment has been published yet.</p>");
      return m;
    }
    Map<String, List<double[]>> series = new TreeMap<>();
    List<Row> rows = spark.table(runs).select(functions.col("segment_id"), functions.col("population"),
        functions.col("published_at")).orderBy("published_at").collectAsList();
    for (Row r : rows) {
      series.computeIfAbsent(r.getString(0), k -> new ArrayList<>())
          .add(new double[] {r.getTimestamp(2).getTime(), r.getLong(1)});
      m.put(r.getString(0), r.getLong(1));
    }
    html.append(Svg.lineChart(series));
    html.append("<table><tr><th>segment</th><th>latest population</th><th>publishes</th></tr>");
    series.forEach((segment, points) -> html.append("<tr><td>").append(Svg.esc(segment)).append("</td><td>")
        .append(String.format(Locale.ROOT, "%,.0f", points.get(points.size() - 1)[1])).append("</td><td>")
        .append(points.size()).append("</td></tr>"));
    html.append("</table>");
    return m;
  }

  private static int activations(SparkSession spark, TenantTables t, StringBuilder html) {
    html.append("<h2>Activation deliveries</h2>");
    String runs = t.activationRuns();
    if (!spark.catalog().tableExists(runs)) {
      html.append("<p class=\"muted\">No activation has run yet.</p>");
      return 0;
    }
    List<Row> rows = spark.sql("SELECT activation_id, segment_id, status, refresh, rows, removals, files, bytes, "
        + "skipped_consent, started_at, duration_ms, target FROM " + runs + " ORDER BY started_at DESC LIMIT 25")
        .collectAsList();
    html.append("<table><tr><th>activation</th><th>segment</th><th>status</th><th>refresh</th><th>rows</th>")
        .append("<th>removals</th><th>files</th><th>bytes</th><th>opted out</th><th>started</th><th>duration</th>")
        .append("<th>target</th></tr>");
    for (Row r : rows) {
      html.append("<tr><td>").append(Svg.esc(r.getString(0))).append("</td><td>").append(Svg.esc(r.getString(1)))
          .append("</td><td class=\"").append("succeeded".equals(r.getString(2)) ? "ok" : "bad").append("\">")
          .append(Svg.esc(r.getString(2))).append("</td><td>").append(Svg.esc(String.valueOf(r.get(3)))).append("</td>");
      for (int i = 4; i <= 8; i++) {
        html.append("<td>").append(r.get(i)).append("</td>");
      }
      html.append("<td>").append(r.get(9)).append("</td><td>")
          .append(String.format(Locale.ROOT, "%.1f s", r.getLong(10) / 1000.0)).append("</td><td>")
          .append(Svg.esc(r.getString(11))).append("</td></tr>");
    }
    html.append("</table>");
    return rows.size();
  }

  public static void main(String[] args) {
    JobMain.exit(new ReportCommand(), args);
  }
}
