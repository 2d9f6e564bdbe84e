package io.lakecdp.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Runs {@code scripts/lakecdp-submit} as a separate process, as a user or an orchestrator would. */
final class Submit {
  record Result(int exitCode, String out, String err) {}

  private Submit() {}

  static ProcessBuilder builder(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(DemoTenant.REPO.resolve("scripts/lakecdp-submit").toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().remove("SPARK_HOME");
    pb.environment().put("LAKECDP_DRIVER_MEMORY", "1g");
    return pb;
  }

  static Result run(String... args) {
    try {
      Path out = java.nio.file.Files.createTempFile("submit", ".out");
      Path err = java.nio.file.Files.createTempFile("submit", ".err");
      Process p = builder(args).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!p.waitFor(20, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new AssertionError("lakecdp-submit " + String.join(" ", args) + " did not finish in 20 minutes");
      }
      return new Result(p.exitValue(), java.nio.file.Files.readString(out), java.nio.file.Files.readString(err));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /**
   * Starts the job and kills its JVM with SIGKILL as soon as a line of its log matches {@code when}.
   *
   * @return the log up to the kill
   */
  static String runAndKill(Predicate<String> when, String... args) {
    try {
      Process p = builder(args).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.PIPE).start();
      StringBuilder log = new StringBuilder();
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          log.append(line).append('\n');
          if (when.test(line)) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
            return log.toString();
          }
        }
      }
      p.waitFor(30, TimeUnit.SECONDS);
      throw new AssertionError("the job ended (exit " + p.exitValue() + ") before the kill point; log:\n" + log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
