package io.lakecdp.common.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.lakecdp.common.job.JobMain;
import io.lakecdp.common.job.Json;
import java.io.PrintWriter;
import java.io.StringWriter;

/** One in-process run of a job through its command line, with what it printed. */
public record JobRun(int exitCode, String out, String err) {
  public static JobRun of(Object command, String... args) {
    TestSpark.session();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = JobMain.run(command, new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new JobRun(code, out.toString(), err.toString());
  }

  /** The JSON summary: by contract the last line of standard output. */
  public JsonNode summary() {
    String[] lines = out.strip().split("\n");
    try {
      return Json.mapper().readTree(lines[lines.length - 1]);
    } catch (Exception e) {
      throw new AssertionError("last line of output is not the JSON summary: " + lines[lines.length - 1], e);
    }
  }
}
