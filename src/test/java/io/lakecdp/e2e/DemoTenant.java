package io.lakecdp.e2e;

import io.lakecdp.demo.DemoDataGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Copies the repository's demo tenant configuration into a test's own conf folder. */
final class DemoTenant {
  static final Path REPO = Path.of(System.getProperty("lakecdp.repo.root", "../..")).toAbsolutePath().normalize();

  private DemoTenant() {}

  /**
   * Writes {@code <conf>/<env>.yaml}: the shipped {@code conf/jdbc.yaml} (the JDBC catalog on PostgreSQL) with the
   * test server's port and the warehouse folder filled in.
   */
  static void writeJdbcEnv(Path conf, String env, int postgresPort, Path warehouse) {
    try {
      Files.writeString(conf.resolve(env + ".yaml"), Files.readString(REPO.resolve("conf/jdbc.yaml"))
          .replace("${LAKECDP_PG_PORT:-5432}", Integer.toString(postgresPort))
          .replace("${LAKECDP_WAREHOUSE:-warehouse-jdbc}", warehouse.toString()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes {@code <conf>/<env>.yaml}: the shipped {@code conf/rest.yaml} (a REST catalog server) with the test
   * server's address and the folder for lakecdp's own files filled in.
   */
  static void writeRestEnv(Path conf, String env, String uri, Path files) {
    try {
      Files.writeString(conf.resolve(env + ".yaml"), Files.readString(REPO.resolve("conf/rest.yaml"))
          .replace("${LAKECDP_REST_URI:-http://127.0.0.1:8181}", uri)
          .replace("${LAKECDP_WAREHOUSE:-warehouse-rest}", files.toString()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Copies a folder with everything under it. */
  static void copyTree(Path source, Path target) throws IOException {
    try (Stream<Path> files = Files.walk(source)) {
      for (Path f : files.toList()) {
        Path to = target.resolve(source.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(to);
        } else {
          Files.copy(f, to);
        }
      }
    }
  }

  /**
   * Writes {@code <conf>/local.yaml} and {@code <conf>/tenants/<tenant>/} (the demo tenant's files),
   * with the streams reading from {@code landing}.
   */
  static void install(Path conf, String tenant, Path warehouse, Path landing) {
    try {
      Path target = conf.resolve("tenants").resolve(tenant);
      Files.createDirectories(target);
      copyTree(REPO.resolve("conf/tenants/demo"), target);
      String streams = Files.readString(target.resolve("streams.yaml"));
      Files.writeString(target.resolve("streams.yaml"), streams.replaceFirst("(?m)^streams:", "landingRoot: " + landing + "\nstreams:"));
      Files.writeString(conf.resolve("local.yaml"), "catalog:\n  name: lake\n  type: hadoop\n  warehouse: " + warehouse
          + "\nspark:\n  spark.sql.shuffle.partitions: \"4\"\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A demo tenant installed in a test's folder. */
  record Installed(Path conf, Path warehouse, Path landing) {
  }

  /**
   * Generates the demo data of {@code people} people (no malformed records) under {@code <dir>/landing} and installs
   * the tenant with its configuration in {@code <dir>/conf} and its Hadoop warehouse in {@code <dir>/warehouse}.
   */
  static Installed generate(Path dir, String tenant, long seed, int people) {
    Installed t = new Installed(dir.resolve("conf"), dir.resolve("warehouse"), dir.resolve("landing"));
    new DemoDataGenerator(seed, 0.0).generate(people, t.landing(), 100_000);
    install(t.conf(), tenant, t.warehouse(), t.landing());
    return t;
  }

  /** Points the tenant's activations at {@code exports} instead of their default target. */
  static void exportTo(Path conf, String tenant, Path exports) {
    try (Stream<Path> files = Files.list(conf.resolve("tenants/" + tenant + "/activations"))) {
      for (Path f : files.toList()) {
        Files.writeString(f, Files.readString(f).replace("${LAKECDP_EXPORTS:-file:///tmp/lakecdp-exports}",
            exports.toUri().toString()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
