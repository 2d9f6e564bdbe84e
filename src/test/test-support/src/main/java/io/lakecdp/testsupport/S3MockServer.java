package io.lakecdp.testsupport;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A real S3-compatible server on 127.0.0.1: Adobe S3Mock's runnable jar (resolved by Maven into the activation
 * module's target/servers), reached through Hadoop's S3A connector with path-style access, as on AWS. For tests and
 * benchmarks.
 */
public final class S3MockServer implements AutoCloseable {
  private final ServerProcess process;
  private final int port;

  private S3MockServer(ServerProcess process, int port) {
    this.process = process;
    this.port = port;
  }

  /** As {@link #start(Path, Path, String...)}, with the jar named by the system property {@code lakecdp.s3mock.jar}. */
  public static S3MockServer start(Path root, String... buckets) {
    String jar = System.getProperty("lakecdp.s3mock.jar");
    if (jar == null || !Files.isRegularFile(Path.of(jar))) {
      throw new IllegalStateException("S3Mock jar not found (system property lakecdp.s3mock.jar = " + jar
          + "); the module's Maven build copies it to target/servers");
    }
    return start(root, Path.of(jar), buckets);
  }

  /** Starts a server whose buckets live under {@code root}, with the given buckets created. */
  public static S3MockServer start(Path root, Path jar, String... buckets) {
    try {
      Files.createDirectories(root.resolve("store"));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    int http = ServerProcess.freePort();
    int https = ServerProcess.freePort();
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    ServerProcess p = ServerProcess.start("S3Mock", List.of(ServerProcess.java(), "-Xmx256m", "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC", "-jar", jar.toAbsolutePath().toString(), "--com.adobe.testing.s3mock.store.root=" + root.resolve("store"),
        "--com.adobe.testing.s3mock.store.initial-buckets=" + String.join(",", buckets),
        "--server.address=127.0.0.1", "--http.port=" + http, "--server.port=" + https),
        root.resolve("s3mock.log"), Duration.ofSeconds(90), () -> {
          try {
            HttpResponse<Void> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/"))
                .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
          } catch (IOException e) {
            return false;
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
          }
        });
    return new S3MockServer(p, http);
  }

  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  /** Hadoop settings that point S3A at this server (prefix each with {@code spark.hadoop.} for Spark). */
  public Map<String, String> s3aSettings() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("fs.s3a.endpoint", endpoint());
    m.put("fs.s3a.endpoint.region", "us-east-1");
    m.put("fs.s3a.path.style.access", "true");
    m.put("fs.s3a.connection.ssl.enabled", "false");
    m.put("fs.s3a.access.key", "lakecdp-test");
    m.put("fs.s3a.secret.key", "lakecdp-test");
    m.put("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
    m.put("fs.s3a.attempts.maximum", "2");
    m.put("fs.s3a.retry.limit", "2");
    m.put("fs.s3a.retry.interval", "100ms");
    m.put("fs.s3a.connection.establish.timeout", "3000");
    m.put("fs.s3a.connection.timeout", "10000");
    return m;
  }

  public ServerProcess process() {
    return process;
  }

  @Override
  public void close() {
    process.close();
  }
}
