package io.lakecdp.common.config;

/**
 * A configuration file is invalid. The message always names the file, the field (as a path inside
 * the file) and the problem, so a user can fix it without reading code. Jobs exit with code 2.
 */
public class ConfigException extends RuntimeException {
  private final String file;
  private final String field;
  private final String problem;

  public ConfigException(String file, String field, String problem) {
    super(format(file, field, problem));
    this.file = file;
    this.field = field;
    this.problem = problem;
  }

  private static String format(String file, String field, String problem) {
    StringBuilder sb = new StringBuilder("Invalid configuration in ").append(file);
    if (field != null && !field.isEmpty()) {
      sb.append(" at ").append(field);
    }
    return sb.append(": ").append(problem).toString();
  }

  public String file() {
    return file;
  }

  public String field() {
    return field;
  }

  public String problem() {
    return problem;
  }
}
