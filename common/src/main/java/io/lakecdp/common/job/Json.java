package io.lakecdp.common.job;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/** JSON for summary lines and telemetry details. */
public final class Json {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** Result records as summary details: snake_case keys, in the order of the record's components. */
  private static final ObjectMapper FIELDS = JsonMapper.builder()
      .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .enable(DeserializationFeature.USE_LONG_FOR_INTS)
      .build();
  private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {};

  private Json() {}

  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("Cannot write JSON: " + e.getMessage(), e);
    }
  }

  /**
   * A result record as the map of its summary details: each component under its snake_case name ({@code rowsLoaded}
   * as {@code rows_loaded}), renamed, left out or left out when null with Jackson's annotations.
   */
  public static Map<String, Object> fields(Object result) {
    return FIELDS.convertValue(result, MAP);
  }

  public static ObjectMapper mapper() {
    return MAPPER;
  }
}
