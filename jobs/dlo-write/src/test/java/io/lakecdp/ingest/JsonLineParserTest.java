package io.lakecdp.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.hadoop.io.Text;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * The token-by-token JSON line parser gives every line the values, extra keys and error a Jackson tree gives it
 * (the reference below reads each line as a tree, as the parser once did).
 */
class JsonLineParserTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final List<String> DECLARED = List.of("id", "age", "at", "tags", "score");

  @Test
  void readsEveryLineAsATreeWould() {
    List<String> lines = new ArrayList<>(List.of(
        "{\"id\":\"a\",\"age\":41,\"at\":\"2025-03-01T10:00:00Z\"}",
        "{\"id\":\"b\",\"age\":\"42\",\"extra\":true,\"more\":null,\"n\":false}",
        "{\"id\":\"c\",\"age\":", "{\"id\":\"c\",\"age\"", "{\"id\":\"c\" \"age\":1}", "{\"id\":\"c\",}", "{\"id\":",
        "[1,2,3]", "[1,2", "\"text\"", "123", "null", "true", "{", "}", "{}", "{\"a\":1} trailing", "{\"a\":1}{\"b\":2}",
        "{\"tags\":[1,\"x\",{\"k\":null}],\"score\":{\"m\":1.50,\"e\":1e3}}", "{\"id\":\"d\",\"id\":\"e\",\"x\":1,\"x\":2}",
        "{\"score\":-0,\"age\":12345678901234567890123,\"at\":9223372036854775807,\"tags\":-9223372036854775809}",
        "{\"score\":1.0E10,\"age\":1E-7,\"at\":-2.5e+3,\"tags\":0.1}", "{\"id\":\"\\u00e9t\\u00e9\\n\\\"q\\\"\"}",
        "{\"id\":\"ümlaut €\",\"ключ\":\"значение\"}", "{\"id\":tru}", "{\"id\":'single'}", "{id:1}", "{\"id\":01}",
        "{\"id\":NaN}", "{\"id\":1.}", "{\"a\":{\"b\":{\"c\":[[],{}]}}}", "{\"id\":\"x\"}   ", "\t{\"id\":\"y\"}"));
    Random random = new Random(11);
    for (int i = 0; i < 3000; i++) {
      StringBuilder b = new StringBuilder("{");
      int keys = random.nextInt(7);
      for (int k = 0; k < keys; k++) {
        b.append(k == 0 ? "" : ",").append('"').append(random.nextInt(3) == 0 ? "k" + random.nextInt(4)
            : DECLARED.get(random.nextInt(DECLARED.size()))).append("\":");
        b.append(switch (random.nextInt(8)) {
          case 0 -> "null";
          case 1 -> Integer.toString(random.nextInt() / (1 + random.nextInt(1000)));
          case 2 -> Double.toString(random.nextGaussian() * Math.pow(10, random.nextInt(30) - 15));
          case 3 -> random.nextBoolean() ? "true" : "false";
          case 4 -> "[" + random.nextInt(9) + ",\"v\"]";
          case 5 -> "{\"n\":" + random.nextInt(9) + "}";
          default -> "\"s" + random.nextInt(1000) + "\"";
        });
      }
      String line = b.append("}").toString();
      // now and then cut a line short, to compare the errors too
      lines.add(random.nextInt(10) == 0 ? line.substring(0, random.nextInt(line.length())) : line);
    }
    LineParsers.JsonLineParser parser = new LineParsers.JsonLineParser(DECLARED, 1 << 20);
    int parsed = 0;
    int failed = 0;
    for (String line : lines) {
      if (line.isBlank()) {
        continue;
      }
      Row ours = parser.parse("f", "f", 7, new Text(line));
      Row tree = asTree(line);
      assertEquals(tree.getString(3), ours.getString(3), line);
      assertEquals(line, ours.getString(2));
      assertEquals(7L, ours.getLong(1));
      if (tree.isNullAt(3)) {
        parsed++;
        assertArrayEquals((String[]) tree.get(4), (String[]) ours.get(4), line);
        assertEquals(tree.get(5) == null ? null : javaMap(tree.get(5)), ours.get(5) == null ? null : javaMap(ours.get(5)), line);
      } else {
        failed++;
      }
    }
    assertTrue(parsed > 2000 && failed > 100, parsed + " parsed, " + failed + " failed");
  }

  private static Map<?, ?> javaMap(Object scalaMap) {
    return new LinkedHashMap<>(scala.collection.JavaConverters.mapAsJavaMapConverter(
        (scala.collection.Map<?, ?>) scalaMap).asJava());
  }

  /** The reference: the line read as a Jackson tree. */
  private static Row asTree(String raw) {
    try {
      JsonNode node = MAPPER.readTree(raw);
      if (node == null || !node.isObject()) {
        return org.apache.spark.sql.RowFactory.create("f", 7L, raw, "malformed JSON: the line is not a JSON object", null, null);
      }
      String[] values = new String[DECLARED.size()];
      Map<String, String> extra = null;
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        JsonNode v = e.getValue();
        String text = v.isNull() ? null : v.isValueNode() ? v.asText() : v.toString();
        int i = DECLARED.indexOf(e.getKey());
        if (i >= 0) {
          values[i] = text;
        } else {
          if (extra == null) {
            extra = new LinkedHashMap<>();
          }
          extra.put(e.getKey(), text);
        }
      }
      return org.apache.spark.sql.RowFactory.create("f", 7L, raw, null, values, extra == null ? null : LineParsers.scalaMap(extra));
    } catch (JsonProcessingException e) {
      return org.apache.spark.sql.RowFactory.create("f", 7L, raw, "malformed JSON: " + e.getOriginalMessage(), null, null);
    }
  }
}
