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
  static final String[] PALETTE = {"#3b6ea5", "#d9822b", "#4c9a52", "#b5473a", "#7d5ba6", "#2a9d8f", "#8c6d31", "#555555"};

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
        .append(esc(ctx.tenant().name())).append("</title><style>")
        .append("body{font-family:sans-serif;margin:24px;color:#222;max-width:1100px}h1{font-size:22px}")
        .append("h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ccc}table{border-collapse:collapse;font-size:13px}")
        .append("td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}th{background:#f3f3f3}")
        .append(".ok{color:#2f7d32}.bad{color:#b3261e}.muted{color:#777}svg text{font-size:11px;font-family:sans-serif}")
        .append("</style></head><body>");
    html.append("<h1>lakecdp run report: tenant ").append(esc(ctx.tenant().name())).append("</h1>")
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
      html.append("<tr><td>").append(esc(r.getString(0))).append("</td><td class=\"")
          .append("succeeded".equals(status) ? "ok" : "bad").append("\">").append(esc(status)).append("</td><td>")
          .append(r.get(2)).append("</td><td>").append(String.format(Locale.ROOT, "%.1f s", r.getLong(3) / 1000.0))
          .append("</td><td>").append(r.get(4)).append("</td><td>").append(r.get(5)).append("</td><td>")
          .append(r.get(6)).append("</td><td>").append(esc(r.getString(7))).append("</td></tr>");
      seconds.put(r.getString(0), r.getLong(3) / 1000.0);
    }
    html.append("</table>");
    html.append(barChart("Duration of the last run (s)", seconds, "%.1f"));
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
    html.append(barChart("Unified profiles by cluster size (source records per unified profile)", histogram, "%,.0f"));
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
      html.append("<p class=\"bad\">Cannot read the match model ").append(esc(file.toString())).append("</p>");
      return m;
    }
    html.append("<h2>Learned match weights</h2><p>Fellegi-Sunter model learned from the tenant's records (")
        .append(esc(file.toString())).append(String.format(Locale.ROOT, "); prior weight %.2f bits.</p>",
            model.get("prior_weight").asDouble()));
    html.append("<table><tr><th>comparison</th><th>level</th><th>m</th><th>u</th><th>weight (bits)</th></tr>");
    int levels = 0;
    for (com.fasterxml.jackson.databind.JsonNode c : model.get("comparisons")) {
      for (com.fasterxml.jackson.databind.JsonNode l : c.get("levels")) {
        html.append("<tr><td>").append(esc(c.get("name").asText())).append("</td><td>").append(esc(l.get("level").asText()))
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
      html.append(waterfall(r.getString(r.fieldIndex("record_id_a")) + " ~ " + r.getString(r.fieldIndex("record_id_b")),
          steps, scores.getOrDefault("match_probability", Double.NaN)));
    }
    m.put("waterfalls", pairs.size());
    return m;
  }

  /** A horizontal waterfall: each step a bar from the running total before it to the total after it. */
  static String waterfall(String title, List<String[]> steps, double probability) {
    int width = 760;
    int left = 260;
    int row = 20;
    double total = 0;
    double min = 0;
    double max = 0;
    for (String[] s : steps) {
      total += Double.parseDouble(s[2]);
      min = Math.min(min, total);
      max = Math.max(max, total);
    }
    double span = Math.max(max - min, 1);
    double scale = (width - left - 60) / span;
    StringBuilder svg = new StringBuilder("<figure><figcaption>Weight waterfall of ").append(esc(title))
        .append(String.format(Locale.ROOT, " (match probability %.6f)", probability)).append("</figcaption><svg width=\"")
        .append(width).append("\" height=\"").append(row * (steps.size() + 1) + 10).append("\" role=\"img\">");
    double x0 = left + (0 - min) * scale;
    svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%d\" stroke=\"#999\"/>", x0, x0,
        row * (steps.size() + 1)));
    double running = 0;
    int i = 0;
    for (String[] s : steps) {
      double w = Double.parseDouble(s[2]);
      double from = left + (running - min) * scale;
      running += w;
      double to = left + (running - min) * scale;
      int y = row * i + 4;
      svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s %s</text>", left - 6, y + 12,
          esc(s[0]), esc(s[1])));
      svg.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"14\" fill=\"%s\"/>",
          Math.min(from, to), y, Math.max(1, Math.abs(to - from)), w >= 0 ? PALETTE[2] : PALETTE[3]));
      svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">%+.1f</text>", Math.max(from, to) + 4, y + 12, w));
      i++;
    }
    svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">match weight</text>"
        + "<text x=\"%.1f\" y=\"%d\">%.1f</text>", left - 6, row * i + 16, left + (running - min) * scale + 4, row * i + 16,
        running));
    return svg.append("</svg></figure>").toString();
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
    html.append(lineChart(series));
    html.append("<table><tr><th>segment</th><th>latest population</th><th>publishes</th></tr>");
    series.forEach((segment, points) -> html.append("<tr><td>").append(esc(segment)).append("</td><td>")
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
      html.append("<tr><td>").append(esc(r.getString(0))).append("</td><td>").append(esc(r.getString(1)))
          .append("</td><td class=\"").append("succeeded".equals(r.getString(2)) ? "ok" : "bad").append("\">")
          .append(esc(r.getString(2))).append("</td><td>").append(esc(String.valueOf(r.get(3)))).append("</td>");
      for (int i = 4; i <= 8; i++) {
        html.append("<td>").append(r.get(i)).append("</td>");
      }
      html.append("<td>").append(r.get(9)).append("</td><td>")
          .append(String.format(Locale.ROOT, "%.1f s", r.getLong(10) / 1000.0)).append("</td><td>")
          .append(esc(r.getString(11))).append("</td></tr>");
    }
    html.append("</table>");
    return rows.size();
  }

  /** A horizontal bar chart, one bar per label. */
  static String barChart(String title, Map<String, Double> values, String format) {
    int width = 760;
    int label = 170;
    int rowHeight = 22;
    double max = values.values().stream().mapToDouble(Double::doubleValue).max().orElse(1);
    max = max <= 0 ? 1 : max;
    StringBuilder svg = new StringBuilder();
    svg.append("<figure><figcaption>").append(esc(title)).append("</figcaption><svg ")
        .append("width=\"").append(width).append("\" height=\"").append(values.size() * rowHeight + 10)
        .append("\" role=\"img\">");
    int y = 5;
    for (Map.Entry<String, Double> e : values.entrySet()) {
      int w = (int) Math.round((width - label - 90) * e.getValue() / max);
      svg.append("<text x=\"").append(label - 6).append("\" y=\"").append(y + 15).append("\" text-anchor=\"end\">")
          .append(esc(e.getKey())).append("</text><rect x=\"").append(label).append("\" y=\"").append(y + 3)
          .append("\" width=\"").append(Math.max(w, 1)).append("\" height=\"").append(rowHeight - 6)
          .append("\" fill=\"").append(PALETTE[0]).append("\"/><text x=\"").append(label + Math.max(w, 1) + 6)
          .append("\" y=\"").append(y + 15).append("\">").append(String.format(Locale.ROOT, format, e.getValue()))
          .append("</text>");
      y += rowHeight;
    }
    return svg.append("</svg></figure>").toString();
  }

  /** A line chart of populations over publish time, one coloured line per segment, with a legend. */
  static String lineChart(Map<String, List<double[]>> series) {
    int width = 760;
    int height = 260;
    int left = 70;
    int bottom = 30;
    double minX = Double.MAX_VALUE;
    double maxX = -Double.MAX_VALUE;
    double maxY = 1;
    for (List<double[]> points : series.values()) {
      for (double[] p : points) {
        minX = Math.min(minX, p[0]);
        maxX = Math.max(maxX, p[0]);
        maxY = Math.max(maxY, p[1]);
      }
    }
    double spanX = Math.max(maxX - minX, 1);
    StringBuilder svg = new StringBuilder("<figure><figcaption>Population by publish</figcaption>"
        + "<svg width=\"" + width + "\" height=\"" + (height + 20 * series.size())
        + "\" role=\"img\">");
    svg.append("<line x1=\"").append(left).append("\" y1=\"10\" x2=\"").append(left).append("\" y2=\"")
        .append(height - bottom).append("\" stroke=\"#999\"/><line x1=\"").append(left).append("\" y1=\"")
        .append(height - bottom).append("\" x2=\"").append(width - 10).append("\" y2=\"").append(height - bottom)
        .append("\" stroke=\"#999\"/><text x=\"").append(left - 6).append("\" y=\"16\" text-anchor=\"end\">")
        .append(String.format(Locale.ROOT, "%,.0f", maxY)).append("</text><text x=\"").append(left - 6)
        .append("\" y=\"").append(height - bottom).append("\" text-anchor=\"end\">0</text>");
    int i = 0;
    for (Map.Entry<String, List<double[]>> e : series.entrySet()) {
      String color = PALETTE[i % PALETTE.length];
      StringBuilder pts = new StringBuilder();
      for (double[] p : e.getValue()) {
        double x = left + (series.size() == 0 || maxX == minX ? (width - left - 10) / 2.0 : (p[0] - minX) / spanX * (width - left - 20));
        double y = height - bottom - p[1] / maxY * (height - bottom - 20);
        pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
        svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>", x, y, color));
      }
      svg.append("<polyline fill=\"none\" stroke-width=\"2\" stroke=\"").append(color).append("\" points=\"")
          .append(pts.toString().trim()).append("\"/>");
      int ly = height + 20 * i;
      svg.append("<rect x=\"").append(left).append("\" y=\"").append(ly - 10).append("\" width=\"12\" height=\"12\" fill=\"")
          .append(color).append("\"/><text x=\"").append(left + 18).append("\" y=\"").append(ly).append("\">")
          .append(esc(e.getKey())).append("</text>");
      i++;
    }
    return svg.append("</svg></figure>").toString();
  }

  static String esc(String s) {
    if (s == null) {
      return "";
    }
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }

  public static void main(String[] args) {
    JobMain.exit(new ReportCommand(), args);
  }
}
