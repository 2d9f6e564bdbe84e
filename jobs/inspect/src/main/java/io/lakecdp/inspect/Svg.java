package io.lakecdp.inspect;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The report's charts, as inline SVG: waterfalls of match weights, bar charts and population lines. */
final class Svg {
  static final String[] PALETTE = {"#3b6ea5", "#d9822b", "#4c9a52", "#b5473a", "#7d5ba6", "#2a9d8f", "#8c6d31", "#555555"};

  private Svg() {}

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
}
