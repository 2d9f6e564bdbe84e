package io.lakecdp.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real Iceberg REST catalog server (iceberg-open-api's RESTCatalogServer, in its own JVM) for a test, started and
 * stopped by the project's own {@code scripts/rest-catalog.sh}, its state in a test's PostgreSQL. Its port, process
 * id and log are in a temporary folder of its own.
 */
public final class RestCatalogServer implements AutoCloseable {
  private final Path script;
  private final Path dir;
  private final int postgresPort;
  private final Path warehouse;
  private final int port;

  private RestCatalogServer(Path script, Path dir, int postgresPort, Path warehouse, int port) {
    this.script = script;
    this.dir = dir;
    this.postgresPort = postgresPort;
    this.warehouse = warehouse;
    this.port = port;
  }

  /**
   * @param repo the project root, which holds {@code scripts/rest-catalog.sh}
   * @param postgresPort the PostgreSQL that keeps the catalog's state
   * @param warehouse where the server puts new tables
   */
  public static RestCatalogServer start(Path repo, int postgresPort, Path warehouse) {
    try {
      Path dir = Files.createTempDirectory("lakecdp-rest");
      Path script = repo.resolve("scripts/rest-catalog.sh");
      startIn(script, dir, postgresPort, warehouse);
      int port = Integer.parseInt(Files.readString(dir.resolve("port")).strip());
      return new RestCatalogServer(script, dir, postgresPort, warehouse, port);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void startIn(Path script, Path dir, int postgresPort, Path warehouse) {
    ServerScript.run(script, "start", "--dir", dir.toString(), "--pg-port", Integer.toString(postgresPort),
        "--warehouse", warehouse.toString());
  }

  /** Stops the server process and starts a new one on the same port (what the catalog holds is in PostgreSQL). */
  public void restart() {
    ServerScript.run(script, "stop", "--dir", dir.toString());
    startIn(script, dir, postgresPort, warehouse);
  }

  /** The server's address, as a catalog {@code uri}. */
  public String uri() {
    return "http://127.0.0.1:" + port;
  }

  /** The server's process id (the script keeps it in the server's folder). */
  public long pid() {
    return ServerScript.pid(dir);
  }

  @Override
  public void close() {
    ServerScript.run(script, "stop", "--dir", dir.toString());
    ServerScript.deleteTree(dir);
  }
}
