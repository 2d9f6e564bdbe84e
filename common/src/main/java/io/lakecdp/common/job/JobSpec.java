package io.lakecdp.common.job;

/**
 * A job lakecdp can run: its name on the command line, the module whose jar holds it, its main
 * class, whether it runs on Spark (through spark-submit) or as a plain Java tool, and its order in the pipeline.
 */
public record JobSpec(String name, String module, String mainClass, boolean spark, String description) {
  /** The self-contained job jar built by Maven, relative to the project root. */
  public String jarPath() {
    String artifact = "lakecdp-" + module.substring(module.lastIndexOf('/') + 1);
    return module + "/target/" + artifact + "-job.jar";
  }
}
