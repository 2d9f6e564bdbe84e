package io.lakecdp.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

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
      ServerScript.run(script, "start", "--dir", dir.toString());
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
    return ServerScript.pid(dir);
  }

  @Override
  public void close() {
    ServerScript.run(script, "stop", "--dir", dir.toString());
    ServerScript.deleteTree(dir);
  }
}
