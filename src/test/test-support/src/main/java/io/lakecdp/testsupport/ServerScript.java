package io.lakecdp.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the project's server scripts (scripts/postgres.sh, trino.sh, rest-catalog.sh) for the test servers. */
final class ServerScript {
  private ServerScript() {}

  /** The process id a server script keeps in {@code dir/server.pid}. */
  static long pid(Path dir) {
    try {
      return Long.parseLong(Files.readString(dir.resolve("server.pid")).strip());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Deletes a folder and everything under it; a leftover under the temporary folder does no harm. */
  static void deleteTree(Path dir) {
    try (var files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // left for the system's cleaning of temporary files
    }
  }

  static void run(Path script, String... args) {
    try {
      List<String> cmd = new ArrayList<>(List.of(script.toString()));
      cmd.addAll(List.of(args));
      Path log = Files.createTempFile("server-script", ".log");
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException(script.getFileName() + " " + String.join(" ", args) + " failed:\n"
            + Files.readString(log));
      }
      Files.deleteIfExists(log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
