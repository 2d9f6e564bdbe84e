package io.lakecdp.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lakecdp.common.config.DataStream;
import io.lakecdp.common.config.SourceFormat;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.Job;
import org.apache.hadoop.mapreduce.lib.input.FileInputFormat;
import org.apache.hadoop.mapreduce.lib.input.FileSplit;
import org.apache.hadoop.mapreduce.lib.input.TextInputFormat;
import org.apache.spark.api.java.JavaNewHadoopRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * Reads landing files into the Data Source Object shape: one row per source record with its file,
 * its byte offset in the file (null for Parquet), the raw text, a parse error (or null), its values as
 * strings in the order of {@link Dso#columns()}, and (JSON only) the values of keys outside that list.
 * Nothing is typed yet; {@link RecordValidator} does that.
 */
final class SourceReader {
  static final String FILE = "_file";
  static final String OFFSET = "_offset";
  static final String RAW = "_raw";
  static final String ERROR = "_error";
  static final String VALUES = "_values";
  static final String EXTRA = "_extra";

  static final StructType DSO_SCHEMA = new StructType(new StructField[] {
      DataTypes.createStructField(FILE, DataTypes.StringType, false),
      DataTypes.createStructField(OFFSET, DataTypes.LongType, true),
      DataTypes.createStructField(RAW, DataTypes.StringType, true),
      DataTypes.createStructField(ERROR, DataTypes.StringType, true),
      DataTypes.createStructField(VALUES, DataTypes.createArrayType(DataTypes.StringType), true),
      DataTypes.createStructField(EXTRA, DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType), true)});

  private final SparkSession spark;

  SourceReader(SparkSession spark) {
    this.spark = spark;
  }

  /**
   * The records of some files. {@code columns} names the positions of {@code _values}: every CSV header
   * or Parquet column seen, or the stream's declared source names for JSON (other keys go to {@code _extra}).
   */
  record Dso(Dataset<Row> records, List<String> columns) {}

  Dso read(DataStream stream, SourceFormat format, List<LandingFile> files) {
    List<String> paths = files.stream().map(LandingFile::path).toList();
    return switch (format) {
      case CSV -> readCsv(stream, paths);
      case JSON -> {
        List<String> declared = stream.sourceFields().stream().map(io.lakecdp.common.config.FieldSpec::sourceName).toList();
        yield new Dso(readLines(paths, new JsonLineParser(declared, stream.maxRecordBytes())), declared);
      }
      case PARQUET -> readParquet(paths);
    };
  }

  private Dso readCsv(DataStream stream, List<String> paths) {
    CsvOptions options = new CsvOptions(stream.options().getOrDefault("delimiter", ","),
        stream.options().getOrDefault("quote", "\""), stream.options().get("escape"));
    Map<String, String[]> headers = new LinkedHashMap<>();
    Set<String> universe = new LinkedHashSet<>();
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    for (String p : paths) {
      String[] header = readHeader(conf, p, options);
      headers.put(new Path(p).toUri().getPath(), header);
      universe.addAll(List.of(header));
    }
    List<String> columns = new ArrayList<>(universe);
    Map<String, int[]> positions = new HashMap<>();
    headers.forEach((file, header) ->
        positions.put(file, java.util.Arrays.stream(header).mapToInt(columns::indexOf).toArray()));
    return new Dso(readLines(paths, new CsvLineParser(positions, columns.size(), options, stream.maxRecordBytes())), columns);
  }

  private static String[] readHeader(Configuration conf, String file, CsvOptions options) {
    Path path = new Path(file);
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(
             path.getFileSystem(conf).open(path), StandardCharsets.UTF_8))) {
      String line = reader.readLine();
      if (line == null) {
        return new String[0];
      }
      if (line.startsWith("\uFEFF")) {
        line = line.substring(1);
      }
      List<String> names = new ArrayList<>();
      for (String name : options.parse(line)) {
        names.add(name.trim());
      }
      return names.toArray(new String[0]);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the header of " + file + ": " + e.getMessage(), e);
    }
  }

  private Dataset<Row> readLines(List<String> paths, LineParser parser) {
    try {
      Job job = Job.getInstance(spark.sparkContext().hadoopConfiguration());
      FileInputFormat.setInputPaths(job, paths.stream().map(Path::new).toArray(Path[]::new));
      FileInputFormat.setInputDirRecursive(job, false);
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      JavaNewHadoopRDD<LongWritable, Text> lines = (JavaNewHadoopRDD<LongWritable, Text>)
          jsc.newAPIHadoopRDD(job.getConfiguration(), TextInputFormat.class, LongWritable.class, Text.class);
      JavaRDD<Row> rows = lines.mapPartitionsWithInputSplit((split, it) -> {
        String file = ((FileSplit) split).getPath().toString();
        String filePath = ((FileSplit) split).getPath().toUri().getPath();
        return new io.lakecdp.common.spark.SkippingIterator<Tuple2<LongWritable, Text>, Row>(it,
            t -> parser.parse(file, filePath, t._1().get(), t._2()));
      }, false);
      return spark.createDataFrame(rows, DSO_SCHEMA);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Dso readParquet(List<String> paths) {
    Dataset<Row> df = spark.read().parquet(paths.toArray(new String[0]));
    List<Column> values = new ArrayList<>();
    for (String c : df.columns()) {
      Column v = df.col("`" + c + "`");
      boolean complex = df.schema().apply(c).dataType() instanceof org.apache.spark.sql.types.StructType
          || df.schema().apply(c).dataType() instanceof org.apache.spark.sql.types.ArrayType
          || df.schema().apply(c).dataType() instanceof org.apache.spark.sql.types.MapType;
      values.add(complex ? functions.to_json(v) : v.cast(DataTypes.StringType));
    }
    Dataset<Row> dso = df.select(
        functions.col("_metadata.file_path").as(FILE),
        functions.lit(null).cast(DataTypes.LongType).as(OFFSET),
        functions.to_json(functions.struct(functions.col("*"))).as(RAW),
        functions.lit(null).cast(DataTypes.StringType).as(ERROR),
        functions.array(values.toArray(new Column[0])).as(VALUES),
        functions.lit(null).cast(DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType)).as(EXTRA));
    return new Dso(dso, List.of(df.columns()));
  }

  /**
   * DSO rows of raw messages: {@code raw} has {@code _file} (source, e.g. kafka://topic/partition), {@code _offset},
   * {@code _value} (binary JSON) and any {@code _kafka_*} system columns, which are kept after the DSO columns.
   */
  static Dataset<Row> jsonRecords(SparkSession spark, DataStream stream, Dataset<Row> raw) {
    List<String> declared = stream.sourceFields().stream().map(io.lakecdp.common.config.FieldSpec::sourceName).toList();
    JsonLineParser parser = new JsonLineParser(declared, stream.maxRecordBytes());
    List<StructField> fields = new ArrayList<>(List.of(DSO_SCHEMA.fields()));
    List<String> system = new ArrayList<>();
    for (StructField f : raw.schema().fields()) {
      if (f.name().startsWith("_kafka_")) {
        fields.add(DataTypes.createStructField(f.name(), f.dataType(), true));
        system.add(f.name());
      }
    }
    int fileIdx = raw.schema().fieldIndex(FILE);
    int offsetIdx = raw.schema().fieldIndex(OFFSET);
    int valueIdx = raw.schema().fieldIndex("_value");
    int[] systemIdx = system.stream().mapToInt(raw.schema()::fieldIndex).toArray();
    JavaRDD<Row> rows = raw.javaRDD().map(r -> {
      String file = r.getString(fileIdx);
      long offset = r.getLong(offsetIdx);
      byte[] value = r.isNullAt(valueIdx) ? new byte[0] : (byte[]) r.get(valueIdx);
      Row dso = parser.parse(file, file, offset, new Text(value));
      if (dso == null) {
        dso = RowFactory.create(file, offset, "", "empty message: no JSON value", null, null);
      }
      Object[] out = new Object[DSO_SCHEMA.size() + systemIdx.length];
      for (int i = 0; i < DSO_SCHEMA.size(); i++) {
        out[i] = dso.get(i);
      }
      for (int i = 0; i < systemIdx.length; i++) {
        out[DSO_SCHEMA.size() + i] = r.get(systemIdx[i]);
      }
      return RowFactory.create(out);
    });
    return spark.createDataFrame(rows, new StructType(fields.toArray(new StructField[0])));
  }

  /** Turns one line of a file into a DSO row, or null to skip it (header, blank line). */
  /**
   * Turns a line of a text source into a DSO row: empty and blank lines give no row, a line over maxRecordBytes the
   * quarantine row that says so (with its text truncated), the others what {@link #parseText} makes of them.
   */
  abstract static class LineParser implements java.io.Serializable {
    private final long maxBytes;

    LineParser(long maxBytes) {
      this.maxBytes = maxBytes;
    }

    final Row parse(String file, String filePath, long offset, Text line) {
      if (line.getLength() == 0 || skips(offset)) {
        return null;
      }
      String raw = rawText(line, maxBytes);
      String tooLarge = tooLarge(line, maxBytes);
      if (tooLarge != null) {
        return RowFactory.create(file, offset, raw, tooLarge, null, null);
      }
      return raw.isBlank() ? null : parseText(file, filePath, offset, raw);
    }

    /** Whether the line at this byte offset is not a record (a CSV file's header). */
    boolean skips(long offset) {
      return false;
    }

    /** The row of a non-blank line of at most maxRecordBytes. */
    abstract Row parseText(String file, String filePath, long offset, String raw);
  }

  static String rawText(Text line, long maxBytes) {
    int n = (int) Math.min(line.getLength(), maxBytes);
    return new String(line.getBytes(), 0, n, StandardCharsets.UTF_8);
  }

  static String tooLarge(Text line, long maxBytes) {
    return line.getLength() > maxBytes
        ? "record of " + line.getLength() + " bytes exceeds maxRecordBytes " + maxBytes + " (raw record truncated)"
        : null;
  }

  /** Row values of a MapType column must be Scala maps. */
  static scala.collection.Map<String, String> scalaMap(Map<String, String> map) {
    return scala.collection.JavaConverters.mapAsScalaMapConverter(map).asScala();
  }

  record CsvOptions(String delimiter, String quote, String escape) implements java.io.Serializable {
    CSVFormat format() {
      CSVFormat.Builder b = CSVFormat.DEFAULT.builder().setDelimiter(delimiter.charAt(0))
          .setQuote(quote.charAt(0)).setIgnoreSurroundingSpaces(false);
      if (escape != null) {
        b.setEscape(escape.charAt(0));
      }
      return b.build();
    }

    /** Splits a line; lines without a quote character take a fast path with the same result. */
    List<String> parse(String line) throws IOException {
      char q = quote.charAt(0);
      if (line.indexOf(q) < 0 && (escape == null || line.indexOf(escape.charAt(0)) < 0)) {
        List<String> out = new ArrayList<>();
        char d = delimiter.charAt(0);
        int start = 0;
        for (int i = line.indexOf(d); i >= 0; i = line.indexOf(d, start)) {
          out.add(line.substring(start, i));
          start = i + 1;
        }
        out.add(line.endsWith("\r") ? line.substring(start, line.length() - 1) : line.substring(start));
        return out;
      }
      try (CSVParser parser = CSVParser.parse(new StringReader(line), format())) {
        List<CSVRecord> records = parser.getRecords();
        if (records.size() != 1) {
          throw new IOException("expected one record on the line, found " + records.size());
        }
        return records.get(0).toList();
      } catch (UncheckedIOException | IllegalStateException e) {
        throw new IOException(e.getMessage(), e);
      }
    }
  }

  static final class CsvLineParser extends LineParser {
    private final Map<String, int[]> positions;
    private final int width;
    private final CsvOptions options;

    /** @param positions per file path: for each header column, its position among all columns */
    CsvLineParser(Map<String, int[]> positions, int width, CsvOptions options, long maxBytes) {
      super(maxBytes);
      this.positions = positions;
      this.width = width;
      this.options = options;
    }

    @Override
    boolean skips(long offset) {
      return offset == 0;
    }

    @Override
    Row parseText(String file, String filePath, long offset, String raw) {
      int[] header = positions.get(filePath);
      try {
        List<String> values = options.parse(raw);
        if (values.size() != header.length) {
          return RowFactory.create(file, offset, raw,
              "expected " + header.length + " columns (as in the header), found " + values.size(), null, null);
        }
        String[] aligned = new String[width];
        for (int i = 0; i < header.length; i++) {
          String v = values.get(i);
          aligned[header[i]] = v.isEmpty() ? null : v;
        }
        return RowFactory.create(file, offset, raw, null, aligned, null);
      } catch (IOException e) {
        return RowFactory.create(file, offset, raw, "unparseable CSV line: " + e.getMessage(), null, null);
      }
    }
  }

  static final class JsonLineParser extends LineParser {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final Map<String, Integer> index = new HashMap<>();

    JsonLineParser(List<String> columns, long maxBytes) {
      super(maxBytes);
      for (int i = 0; i < columns.size(); i++) {
        index.put(columns.get(i), i);
      }
    }

    @Override
    Row parseText(String file, String filePath, long offset, String raw) {
      try {
        JsonNode node = MAPPER.readTree(raw);
        if (node == null || !node.isObject()) {
          return RowFactory.create(file, offset, raw, "malformed JSON: the line is not a JSON object", null, null);
        }
        String[] values = new String[index.size()];
        Map<String, String> extra = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          JsonNode v = e.getValue();
          String text = v.isNull() ? null : v.isValueNode() ? v.asText() : v.toString();
          Integer i = index.get(e.getKey());
          if (i != null) {
            values[i] = text;
          } else {
            if (extra == null) {
              extra = new LinkedHashMap<>();
            }
            extra.put(e.getKey(), text);
          }
        }
        return RowFactory.create(file, offset, raw, null, values, extra == null ? null : scalaMap(extra));
      } catch (JsonProcessingException e) {
        return RowFactory.create(file, offset, raw, "malformed JSON: " + e.getOriginalMessage(), null, null);
      }
    }
  }
}
