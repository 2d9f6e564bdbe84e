package io.lakecdp.ingest;

import io.lakecdp.common.config.DataStream;
import io.lakecdp.common.config.SourceFormat;
import io.lakecdp.ingest.LineParsers.CsvLineParser;
import io.lakecdp.ingest.LineParsers.CsvOptions;
import io.lakecdp.ingest.LineParsers.JsonLineParser;
import io.lakecdp.ingest.LineParsers.LineParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
      case CSV -> readCsv(stream, paths, bytes(files));
      case JSON -> {
        List<String> declared = stream.sourceFields().stream().map(io.lakecdp.common.config.FieldSpec::sourceName).toList();
        yield new Dso(readLines(paths, bytes(files), new JsonLineParser(declared, stream.maxRecordBytes())), declared);
      }
      case PARQUET -> readParquet(paths);
    };
  }

  private static long bytes(List<LandingFile> files) {
    return files.stream().mapToLong(LandingFile::length).sum();
  }

  private Dso readCsv(DataStream stream, List<String> paths, long bytes) {
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
    return new Dso(readLines(paths, bytes, new CsvLineParser(positions, columns.size(), options, stream.maxRecordBytes())), columns);
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

  /**
   * The DSO rows of text files, one partition per input split, then as many partitions as Spark's own file sources
   * would make of these bytes ({@code spark.sql.files.maxPartitionBytes} each, at least one per core), by joining
   * whole splits: a batch of many small files is then read, validated and written in a few tasks and files
   * instead of one per landing file (each split still knows its file, which per-record offsets need).
   */
  private Dataset<Row> readLines(List<String> paths, long bytes, LineParser parser) {
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
      long perPartition = Math.max(1, spark.sessionState().conf().filesMaxPartitionBytes());
      int target = (int) Math.max(jsc.defaultParallelism(), Math.min(Integer.MAX_VALUE, (bytes + perPartition - 1) / perPartition));
      if (rows.getNumPartitions() > target) {
        rows = rows.coalesce(target);
      }
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
}
