package io.lakecdp.testsupport;

import java.nio.file.Path;

/**
 * A real Iceberg REST catalog server (iceberg-open-api's RESTCatalogServer, in its own JVM) for a test, started and
 * stopped by the project's own {@code scripts/rest-catalog.sh}, its state in a test's PostgreSQL. Its port, process
 * id and log are in a temporary folder of its own.
 */
public final class RestCatalogServer implements AutoCloseable {
  private final ServerScript server;

  private RestCatalogServer(ServerScript server) {
    this.server = server;
  }

  /**
   * @param repo the project root, which holds {@code scripts/rest-catalog.sh}
   * @param postgresPort the PostgreSQL that keeps the catalog's state
   * @param warehouse where the server puts new tables
   */
  public static RestCatalogServer start(Path repo, int postgresPort, Path warehouse) {
    return new RestCatalogServer(ServerScript.start(repo.resolve("scripts/rest-catalog.sh"),
        ServerScript.newDir("lakecdp-rest"), "--pg-port", Integer.toString(postgresPort), "--warehouse",
        warehouse.toString()));
  }

  /** Stops the server process and starts a new one on the same port (what the catalog holds is in PostgreSQL). */
  public void restart() {
    server.restart();
  }

  /** The server's address, as a catalog {@code uri}. */
  public String uri() {
    return "http://127.0.0.1:" + server.port();
  }

  /** The server's process id. */
  public long pid() {
    return server.pid();
  }

  @Override
  public void close() {
    server.close();
  }
}
