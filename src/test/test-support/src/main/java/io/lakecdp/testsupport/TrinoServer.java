package io.lakecdp.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real single-node Trino 476 for a test, started and stopped by the project's own {@code scripts/trino.sh}, its
 * Iceberg catalog {@code lake} on the PostgreSQL JDBC catalog the jobs use. The unpacked server is kept under the
 * project's {@code work/trino} (unpacked once, on first use); each server's configuration, data and log go to a
 * temporary folder of its own.
 */
public final class TrinoServer implements AutoCloseable {
  private final Path script;
  private final Path dir;
  private final int port;

  private TrinoServer(Path script, Path dir, int port) {
    this.script = script;
    this.dir = dir;
    this.port = port;
  }

  /**
   * @param repo the project root, which holds {@code scripts/trino.sh}
   * @param postgresPort the PostgreSQL that keeps the JDBC catalog
   * @param warehouse where tables Trino creates go
   */
  public static TrinoServer start(Path repo, int postgresPort, Path warehouse) {
    try {
      Path dir = Files.createTempDirectory("lakecdp-trino");
      Path script = repo.resolve("scripts/trino.sh");
      Path shared = repo.resolve("work/trino");
      ServerScript.run(script, "install", "--dir", shared.toString());
      ServerScript.run(script, "start", "--dir", dir.toString(), "--home", shared.resolve("trino-server-476").toString(),
          "--pg-port", Integer.toString(postgresPort), "--warehouse", warehouse.toString());
      int port = Integer.parseInt(Files.readString(dir.resolve("port")).strip());
      return new TrinoServer(script, dir, port);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The server's HTTP address, as {@code query --trino-url} takes it. */
  public String url() {
    return "http://127.0.0.1:" + port;
  }

  /** The JDBC URL of the server, catalog {@code lake}. */
  public String jdbcUrl() {
    return "jdbc:trino://127.0.0.1:" + port + "/lake";
  }

  @Override
  public void close() {
    ServerScript.run(script, "stop", "--dir", dir.toString());
    ServerScript.deleteTree(dir);
  }
}
