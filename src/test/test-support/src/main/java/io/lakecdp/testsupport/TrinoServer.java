package io.lakecdp.testsupport;

import java.nio.file.Path;
import java.util.List;

/**
 * A real single-node Trino 476 for a test, started and stopped by the project's own {@code scripts/trino.sh}, its
 * Iceberg catalog {@code lake} on the PostgreSQL JDBC catalog the jobs use. The unpacked server is kept under the
 * project's {@code work/trino} (unpacked once, on first use); each server's configuration, data and log go to a
 * temporary folder of its own.
 */
public final class TrinoServer implements AutoCloseable {
  private final ServerScript server;

  private TrinoServer(ServerScript server) {
    this.server = server;
  }

  /**
   * @param repo the project root, which holds {@code scripts/trino.sh}
   * @param postgresPort the PostgreSQL that keeps the JDBC catalog
   * @param warehouse where tables Trino creates go
   */
  public static TrinoServer start(Path repo, int postgresPort, Path warehouse) {
    Path script = repo.resolve("scripts/trino.sh");
    Path shared = repo.resolve("work/trino");
    ServerScript.run(script, List.of("install", "--dir", shared.toString()));
    return new TrinoServer(ServerScript.start(script, ServerScript.newDir("lakecdp-trino"), "--home",
        shared.resolve("trino-server-476").toString(), "--pg-port", Integer.toString(postgresPort), "--warehouse",
        warehouse.toString()));
  }

  /** The server's HTTP address, as {@code query --trino-url} takes it. */
  public String url() {
    return "http://127.0.0.1:" + server.port();
  }

  /** The JDBC URL of the server, catalog {@code lake}. */
  public String jdbcUrl() {
    return "jdbc:trino://127.0.0.1:" + server.port() + "/lake";
  }

  @Override
  public void close() {
    server.close();
  }
}
