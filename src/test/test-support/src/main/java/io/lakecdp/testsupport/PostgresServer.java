package io.lakecdp.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real PostgreSQL 15 on 127.0.0.1 for a test, started and stopped by the project's own
 * {@code scripts/postgres.sh} (the one a laptop uses), with its data in a folder of the test's. Database
 * {@code lakecdp}, user {@code lakecdp}, no password.
 */
public final class PostgresServer implements AutoCloseable {
  private final Path script;
  private final Path dir;
  private final int port;

  private PostgresServer(Path script, Path dir, int port) {
    this.script = script;
    this.dir = dir;
    this.port = port;
  }

  /**
   * Starts a server keeping its data in a new folder under the system's temporary folder (the server's own user
   * must reach it, which a test's private temporary folder may not allow).
   *
   * @param repo the project root, which holds {@code scripts/postgres.sh}
   */
  public static PostgresServer start(Path repo) {
    try {
      Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "lakecdp-pg");
      Path script = repo.resolve("scripts/postgres.sh");
      run(script, "start", "--dir", dir.toString());
      int port = Integer.parseInt(Files.readString(dir.resolve("port")).strip());
      return new PostgresServer(script, dir, port);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return port;
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/lakecdp";
  }

  /** The server's process id (the script keeps it in the data folder). */
  public long pid() {
    try {
      return Long.parseLong(Files.readString(dir.resolve("server.pid")).strip());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    run(script, "stop", "--dir", dir.toString());
    deleteTree(dir);
  }

  /** Deletes a folder and everything under it; a leftover under the temporary folder does no harm. */
  static void deleteTree(Path dir) {
    try (var files = Files.walk(dir)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // left for the system's cleaning of temporary files
    }
  }

  static void run(Path script, String... args) {
    try {
      List<String> cmd = new java.util.ArrayList<>(List.of(script.toString()));
      cmd.addAll(List.of(args));
      Path log = Files.createTempFile("postgres-sh", ".log");
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
