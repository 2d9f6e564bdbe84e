package io.lakecdp.common.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How one DLO feeds one DMO: DMO field to DLO field, and DMO fields set to constants. Values are
 * cast to the DMO field's type when the DMO is read.
 */
public record DmoMapping(String dlo, String dmo, Map<String, String> fields, Map<String, String> constants) {
  public DmoMapping {
    fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    constants = Collections.unmodifiableMap(new LinkedHashMap<>(constants));
  }
}
