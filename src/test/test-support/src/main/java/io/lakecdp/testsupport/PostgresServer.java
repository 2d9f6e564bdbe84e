package io.lakecdp.testsupport;

import java.nio.file.Path;

/**
 * A real PostgreSQL 15 on 127.0.0.1 for a test, started and stopped by the project's own
 * {@code scripts/postgres.sh} (the one a laptop uses), with its data in a folder of its own under the system's
 * temporary folder (the server's own user must reach it, which a test's private temporary folder may not allow).
 * Database {@code lakecdp}, user {@code lakecdp}, no password.
 */
public final class PostgresServer implements AutoCloseable {
  private final ServerScript server;

  private PostgresServer(ServerScript server) {
    this.server = server;
  }

  /** @param repo the project root, which holds {@code scripts/postgres.sh} */
  public static PostgresServer start(Path repo) {
    return new PostgresServer(ServerScript.start(repo.resolve("scripts/postgres.sh"), ServerScript.newDir("lakecdp-pg")));
  }

  public int port() {
    return server.port();
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port() + "/lakecdp";
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
