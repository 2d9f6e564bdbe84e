package io.lakecdp.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A server started by one of the project's server scripts (scripts/postgres.sh, trino.sh, rest-catalog.sh): the
 * script is run with {@code start --dir <dir> ...}, keeps the server's port and process id in that folder, and stops
 * it with {@code stop --dir <dir>}. Closing stops the server and deletes the folder.
 */
final class ServerScript implements AutoCloseable {
  private final Path script;
  private final Path dir;
  private final List<String> startArgs;
  private final int port;

  private ServerScript(Path script, Path dir, List<String> startArgs, int port) {
    this.script = script;
    this.dir = dir;
    this.startArgs = startArgs;
    this.port = port;
  }

  /**
   * Runs {@code <script> start --dir <dir> <startArgs>} and reads the port the server took.
   *
   * @param dir the server's own folder (configuration, data, log, port and process id)
   */
  static ServerScript start(Path script, Path dir, String... startArgs) {
    List<String> args = new ArrayList<>(List.of("start", "--dir", dir.toString()));
    args.addAll(List.of(startArgs));
    run(script, args);
    try {
      return new ServerScript(script, dir, args, Integer.parseInt(Files.readString(dir.resolve("port")).strip()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A new folder for a server under the system's temporary folder (a server's own user must reach it). */
  static Path newDir(String prefix) {
    try {
      return Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), prefix);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  int port() {
    return port;
  }

  /** The process id the script keeps in {@code <dir>/server.pid}. */
  long pid() {
    try {
      return Long.parseLong(Files.readString(dir.resolve("server.pid")).strip());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Stops the server process and starts it again as it was started (same folder, so the same port). */
  void restart() {
    run(script, List.of("stop", "--dir", dir.toString()));
    run(script, startArgs);
  }

  @Override
  public void close() {
    run(script, List.of("stop", "--dir", dir.toString()));
    deleteTree(dir);
  }

  /** Runs a server script to its end (at most ten minutes); its output is shown only when it fails. */
  static void run(Path script, List<String> args) {
    try {
      List<String> cmd = new ArrayList<>(List.of(script.toString()));
      cmd.addAll(args);
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

  /** Deletes a folder and everything under it; a leftover under the temporary folder does no harm. */
  private static void deleteTree(Path dir) {
    try (var files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // left for the system's cleaning of temporary files
    }
  }
}
