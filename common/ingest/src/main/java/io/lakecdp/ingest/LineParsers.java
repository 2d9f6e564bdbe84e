package io.lakecdp.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.hadoop.io.Text;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * The parsers of text sources, line by line (CSV with the file's header, JSON lines): each line becomes one DSO row
 * ({@link SourceReader#DSO_SCHEMA}) or none.
 */
final class LineParsers {
  private LineParsers() {}

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

    /**
     * Reads the line's tokens as they come (no tree): declared keys fill their positions, other keys go to the extra
     * map; a nested object or array is kept as its JSON text. Values read as the text Jackson's tree would give them,
     * and a later duplicate key wins, as in a tree. A line that is not an object is read as a tree, for its message.
     */
    @Override
    Row parseText(String file, String filePath, long offset, String raw) {
      try (JsonParser p = MAPPER.createParser(raw)) {
        if (p.nextToken() != JsonToken.START_OBJECT) {
          return notAnObject(file, offset, raw);
        }
        String[] values = new String[index.size()];
        Map<String, String> extra = null;
        for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
          String text = text(p, p.nextToken());
          Integer i = index.get(name);
          if (i != null) {
            values[i] = text;
          } else {
            if (extra == null) {
              extra = new LinkedHashMap<>();
            }
            extra.put(name, text);
          }
        }
        if (p.currentToken() != JsonToken.END_OBJECT) {
          throw new com.fasterxml.jackson.core.JsonParseException(p, "Unexpected end-of-input: expected close marker for Object");
        }
        return RowFactory.create(file, offset, raw, null, values, extra == null ? null : scalaMap(extra));
      } catch (JsonProcessingException e) {
        return RowFactory.create(file, offset, raw, "malformed JSON: " + e.getOriginalMessage(), null, null);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** The text of the value at the parser's current token, as {@code JsonNode.asText()} (scalars) or the JSON. */
    private static String text(JsonParser p, JsonToken t) throws IOException {
      if (t == null) {
        throw new com.fasterxml.jackson.core.JsonParseException(p, "Unexpected end-of-input: expected a value");
      }
      return switch (t) {
        case VALUE_NULL -> null;
        case VALUE_STRING -> p.getText();
        case VALUE_NUMBER_INT -> p.getNumberValue().toString();
        case VALUE_NUMBER_FLOAT -> Double.toString(p.getDoubleValue());
        case VALUE_TRUE -> "true";
        case VALUE_FALSE -> "false";
        case START_OBJECT, START_ARRAY -> MAPPER.readTree(p).toString();
        default -> throw new com.fasterxml.jackson.core.JsonParseException(p, "Unexpected token " + t);
      };
    }

    private static Row notAnObject(String file, long offset, String raw) {
      try {
        MAPPER.readTree(raw);
        return RowFactory.create(file, offset, raw, "malformed JSON: the line is not a JSON object", null, null);
      } catch (JsonProcessingException e) {
        return RowFactory.create(file, offset, raw, "malformed JSON: " + e.getOriginalMessage(), null, null);
      }
    }
  }
}
