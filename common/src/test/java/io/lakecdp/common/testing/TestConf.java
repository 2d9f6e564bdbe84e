package io.lakecdp.common.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A configuration folder for one test: {@code local.yaml} pointing at the shared test warehouse and
 * a landing folder of the test's own, plus the tenant files the test writes.
 */
public final class TestConf {
  private final Path root;
  private final String tenant;

  private TestConf(Path root, String tenant) {
    this.root = root;
    this.tenant = tenant;
  }

  /** @param dir a fresh folder (a JUnit {@code @TempDir}); conf/ and landing/ are made inside it */
  public static TestConf create(Path dir, String tenant) {
    TestConf c = new TestConf(dir, tenant);
    c.write("conf/local.yaml", "catalog:\n  name: lake\n  type: hadoop\n  warehouse: " + TestSpark.warehouse()
        + "\nlandingRoot: " + dir.resolve("landing") + "\nspark:\n  spark.sql.shuffle.partitions: \"4\"\n");
    return c;
  }

  /**
   * A tenant whose one data stream, orders (CSV files under {@code landing/orders} with a header: order_id,
   * customer_id, order_ts, status, total_amount), is mapped onto the SalesOrder DMO.
   */
  public static TestConf salesOrders(Path dir, String tenant) {
    return create(dir, tenant).tenantFile("streams.yaml", """
        streams:
          orders: {format: csv, path: orders, primaryKey: [order_id], fields: {order_id: string,
              customer_id: string, order_ts: timestamp, status: string, total_amount: double}}
        """).tenantFile("mappings.yaml", """
        mappings:
          - {dlo: orders, dmo: SalesOrder, fields: {Id: order_id, PartyId: customer_id, OrderDate: order_ts,
              OrderStatus: status, TotalAmount: total_amount}}
        """);
  }

  public Path confDir() {
    return root.resolve("conf");
  }

  public Path tenantDir() {
    return confDir().resolve("tenants").resolve(tenant);
  }

  /** The tenant's landing folder, where stream paths resolve by default. */
  public Path landing() {
    return root.resolve("landing").resolve(tenant);
  }

  public String tenant() {
    return tenant;
  }

  public TestConf tenantFile(String name, String yaml) {
    return write("conf/tenants/" + tenant + "/" + name, yaml);
  }

  /** Writes a landing file under the tenant's landing folder. */
  public Path landingFile(String relative, String content) {
    Path p = landing().resolve(relative);
    writeFile(p, content);
    return p;
  }

  public TestConf write(String relative, String content) {
    writeFile(root.resolve(relative), content);
    return this;
  }

  private static void writeFile(Path p, String content) {
    try {
      Files.createDirectories(p.getParent());
      Files.writeString(p, content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The arguments every job takes, for this test's tenant and conf. */
  public String[] jobArgs(String... extra) {
    String[] base = {"--tenant", tenant, "--conf", confDir().toString(), "--env", "local"};
    String[] out = new String[base.length + extra.length];
    System.arraycopy(base, 0, out, 0, base.length);
    System.arraycopy(extra, 0, out, base.length, extra.length);
    return out;
  }
}
