package io.lakecdp.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A real single-node Apache Kafka broker (KRaft mode, no ZooKeeper) on 127.0.0.1 with free ports, run in a JVM of its
 * own from the jars Maven resolved for {@code src/test/kafka-broker} (tests name their classpath file with the system
 * property {@code lakecdp.kafka.classpath}). Topics are created on first use with {@code partitions} partitions.
 * For tests and benchmarks; production brokers are the user's.
 */
public final class KafkaBroker implements AutoCloseable {
  private final Path dir;
  private final int port;
  private final int controllerPort;
  private final String classpath;
  private final int partitions;
  private ServerProcess process;

  private KafkaBroker(Path dir, String classpath, int partitions) {
    this.dir = dir;
    this.partitions = partitions;
    this.classpath = classpath;
    this.port = ServerProcess.freePort();
    this.controllerPort = ServerProcess.freePort();
  }

  /** Formats a fresh log folder under {@code dir} and starts a broker on the given classpath. */
  public static KafkaBroker start(Path dir, String classpath, int partitions) {
    KafkaBroker b = new KafkaBroker(dir, classpath, partitions);
    b.format();
    b.launch();
    return b;
  }

  /** As {@link #start(Path, String, int)}, with the classpath file named by {@code lakecdp.kafka.classpath}. */
  public static KafkaBroker start(Path dir, int partitions) {
    String file = System.getProperty("lakecdp.kafka.classpath");
    if (file == null || !Files.isRegularFile(Path.of(file))) {
      throw new IllegalStateException("Kafka broker classpath not found (system property lakecdp.kafka.classpath = "
          + file + "); the Maven module src/test/kafka-broker writes it");
    }
    try {
      return start(dir, Files.readString(Path.of(file)).trim(), partitions);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  private Path properties() {
    return dir.resolve("server.properties");
  }

  private void format() {
    try {
      Files.createDirectories(dir);
      Files.writeString(properties(), String.join("\n",
          "process.roles=broker,controller",
          "node.id=1",
          "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
          "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
          "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
          "controller.listener.names=CONTROLLER",
          "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
          "inter.broker.listener.name=PLAINTEXT",
          "log.dirs=" + dir.resolve("logs"),
          "num.partitions=" + partitions,
          "auto.create.topics.enable=true",
          "offsets.topic.replication.factor=1",
          "transaction.state.log.replication.factor=1",
          "transaction.state.log.min.isr=1",
          "group.initial.rebalance.delay.ms=0",
          "log.flush.interval.messages=1") + "\n");
      Process p = new ProcessBuilder(command("kafka.tools.StorageTool", "format", "-t", UUID.randomUUID().toString()
          .replace("-", "").substring(0, 22), "-c", properties().toString()))
          .redirectErrorStream(true).redirectOutput(dir.resolve("format.log").toFile()).start();
      if (p.waitFor() != 0) {
        throw new IllegalStateException("Kafka storage format failed: " + Files.readString(dir.resolve("format.log")));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private List<String> command(String main, String... args) {
    List<String> c = new ArrayList<>(List.of(ServerProcess.java(), "-Xmx512m", "-XX:+UseSerialGC",
        "-Dlog4j.configuration=file:" + log4j(), "-cp", classpath, main));
    c.addAll(List.of(args));
    return c;
  }

  private Path log4j() {
    Path p = dir.resolve("log4j.properties");
    try {
      Files.writeString(p, "log4j.rootLogger=INFO, stdout\nlog4j.appender.stdout=org.apache.log4j.ConsoleAppender\n"
          + "log4j.appender.stdout.layout=org.apache.log4j.PatternLayout\n"
          + "log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p;
  }

  private void launch() {
    Path log = dir.resolve("broker-" + System.nanoTime() + ".log");
    process = ServerProcess.start("Kafka broker", command("kafka.Kafka", properties().toString()), log,
        Duration.ofSeconds(90), () -> {
          try {
            return Files.exists(log) && Files.readString(log).contains("Kafka Server started");
          } catch (IOException e) {
            return false;
          }
        });
  }

  /** Stops the broker (SIGTERM, then SIGKILL if it lingers) and starts it again on the same ports and data. */
  public void restart() {
    process.close();
    launch();
  }

  @Override
  public void close() {
    if (process != null) {
      process.close();
    }
  }
}
