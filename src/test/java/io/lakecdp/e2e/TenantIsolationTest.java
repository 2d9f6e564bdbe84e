package io.lakecdp.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakecdp.common.testing.IcebergTables;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two tenants of one installation, tenant q with a warehouse of its own ({@code tenant.yaml}, data residency), each
 * job in its own JVM through lakecdp-submit: each tenant's tables are only in its own warehouse, and q's SQL that
 * names p's table or a local file is refused with exit 2 before anything is written.
 */
class TenantIsolationTest {
  @Test
  void twoTenantsOnTwoWarehousesSeeNothingOfEachOther(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("conf");
    Path shared = dir.resolve("warehouse-shared");
    Path own = dir.resolve("warehouse-eu");
    Files.createDirectories(conf);
    Files.writeString(conf.resolve("local.yaml"), "catalog:\n  name: lake\n  type: hadoop\n  warehouse: " + shared
        + "\nlandingRoot: " + dir.resolve("landing") + "\nspark:\n  spark.sql.shuffle.partitions: \"2\"\n");
    for (String t : new String[] {"p", "q"}) {
      Path tenant = Files.createDirectories(conf.resolve("tenants/" + t));
      Files.writeString(tenant.resolve("streams.yaml"), "streams:\n  c:\n    format: csv\n    path: c\n"
          + "    primaryKey: [name]\n    fields: {name: string, n: long}\n");
      Path landing = Files.createDirectories(dir.resolve("landing/" + t + "/c"));
      Files.writeString(landing.resolve("001.csv"), "name,n\n" + t + "-customer,1\n");
    }
    Files.writeString(conf.resolve("tenants/q/tenant.yaml"), "description: an EU tenant\ncatalog:\n  warehouse: "
        + own + "\n");
    for (String t : new String[] {"p", "q"}) {
      Submit.Result r = Submit.run("dlo-write", "--tenant", t, "--conf", conf.toString(), "--master", "local[2]");
      assertEquals(0, r.exitCode(), r.err());
    }
    assertTrue(new IcebergTables(shared).exists("p_dlo", "c"));
    assertFalse(new IcebergTables(shared).exists("q_dlo", "c"), "q's data is not in the shared warehouse");
    assertTrue(new IcebergTables(own).exists("q_dlo", "c"));
    assertFalse(new IcebergTables(own).exists("p_dlo", "c"));
    assertEquals("q-customer", new IcebergTables(own).rows("q_dlo", "c").get(0).get("name"));
    assertTrue(Files.notExists(shared.resolve("q_ops")) && Files.notExists(own.resolve("p_ops")), "job_runs too");

    Path insights = Files.createDirectories(conf.resolve("tenants/q/insights"));
    String[][] attempts = {
        {"SELECT name, SUM(n) AS total FROM lake.p_dlo.c GROUP BY name", "'lake.p_dlo.c'"},
        {"SELECT value AS name, COUNT(*) AS total FROM text.`/etc/hostname` GROUP BY value", "'text./etc/hostname'"},
    };
    for (String[] a : attempts) {
      Files.writeString(insights.resolve("steal.sql"), "-- dimensions: name\n-- measures: total\n" + a[0] + "\n");
      Submit.Result r = Submit.run("calculated-insights", "--tenant", "q", "--conf", conf.toString(),
          "--master", "local[2]");
      assertEquals(2, r.exitCode(), r.err());
      assertTrue(r.err().contains("steal.sql") && r.err().contains(a[1]), r.err());
      assertFalse(new IcebergTables(own).exists("q_cio", "steal"), "nothing is written");
    }
  }
}
