package io.lakecdp.common.job;

/** Error text as jobs print it: one line, the part a user acts on. */
public final class Messages {
  private Messages() {}

  /** The first line of an exception's message (the exception itself when it has no message), stripped. */
  public static String firstLine(Throwable e) {
    return firstLine(e.getMessage() == null ? e.toString() : e.getMessage());
  }

  /** The first line of a text, stripped ({@code "null"} for null). */
  public static String firstLine(String text) {
    String s = String.valueOf(text).strip();
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl).strip();
  }
}
