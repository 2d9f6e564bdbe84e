package io.lakecdp.common.sql;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakecdp.common.config.ConfigException;
import io.lakecdp.common.testing.TestSpark;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TenantSqlTest {
  static final TenantSql SANDBOX = new TenantSql(TestSpark.session(), Set.of("Individual", "SalesOrder",
      "UnifiedLinkIndividual"), "conf/tenants/q/insights/x.sql", "sql");

  @Test
  void queriesOverTheModelWithBuiltInFunctionsPass() {
    SANDBOX.checkQuery("SELECT l.unified_id, SUM(o.TotalAmount) AS s, MAX(upper(o.OrderStatus)) AS m "
        + "FROM SalesOrder o JOIN UnifiedLinkIndividual l ON l.individual_id = o.PartyId GROUP BY l.unified_id");
    SANDBOX.checkQuery("WITH big AS (SELECT * FROM salesorder WHERE TotalAmount > 100), "
        + "people AS (SELECT Id FROM Individual WHERE Id IN (SELECT PartyId FROM big)) "
        + "SELECT count(*) AS n FROM people");
    SANDBOX.checkQuery("SELECT Id, transform(array(1, 2), x -> x + 1) AS t FROM Individual "
        + "LATERAL VIEW explode(array(1, 2)) e AS v WHERE EXISTS (SELECT 1 FROM SalesOrder s WHERE s.PartyId = Id)");
    SANDBOX.checkExpression("EngagementType = 'open' AND lower(Channel) IN ('web', 'app')");
    SANDBOX.checkExpression("PartyId IN (SELECT Id FROM Individual WHERE FirstName LIKE 'A%')");
  }

  @Test
  void otherTenantsTablesFilesAndUnknownNamesAreRefused() {
    refused("SELECT name, SUM(n) AS total FROM lake.p_dlo.c GROUP BY name", "'lake.p_dlo.c'");
    refused("SELECT * FROM p_dlo.c", "'p_dlo.c'");
    refused("SELECT * FROM job_runs", "'job_runs'");
    refused("SELECT value AS line, COUNT(*) AS c FROM text.`/etc/hostname` GROUP BY value", "'text./etc/hostname'");
    refused("SELECT * FROM parquet.`s3a://bucket/warehouse/p_dlo/c/data`", "parquet.s3a://");
    refused("SELECT * FROM Individual WHERE Id IN (SELECT Id FROM lake.p_unified.unified_individual)",
        "'lake.p_unified.unified_individual'");
    refused("WITH x AS (SELECT * FROM lake.p_dlo.c) SELECT * FROM x", "'lake.p_dlo.c'");
    refused("SELECT * FROM range(10)", "table function 'range'");
    refused("SELECT * FROM IDENTIFIER('lake.p_dlo.c')", "IDENTIFIER");
    refused("SELECT * FROM Individual VERSION AS OF 1 JOIN global_temp.v", "'global_temp.v'");
  }

  @Test
  void functionsThatReachOutsideTheDataAreRefused() {
    refused("SELECT reflect('java.lang.System', 'getenv', 'HOME') AS h FROM Individual", "'reflect'");
    refused("SELECT java_method('java.lang.Runtime', 'getRuntime') FROM Individual", "'java_method'");
    refused("SELECT input_file_name() FROM Individual", "'input_file_name'");
    refused("SELECT lake.db.f(Id) FROM Individual", "'lake.db.f'");
    refused("SELECT no_such_function(Id) FROM Individual", "neither a Spark built-in");
    ConfigException e = assertThrows(ConfigException.class,
        () -> SANDBOX.checkExpression("Id = reflect('java.util.UUID', 'randomUUID')"));
    assertTrue(e.getMessage().contains("'reflect'"), e.getMessage());
    e = assertThrows(ConfigException.class, () -> SANDBOX.checkExpression("Id IN (SELECT c FROM lake.p_dlo.c)"));
    assertTrue(e.getMessage().contains("'lake.p_dlo.c'"), e.getMessage());
  }

  @Test
  void onlyQueriesAreAccepted() {
    refused("DROP TABLE lake.q_dlo.c", "not a single query");
    refused("SET spark.sql.catalog.x=y", "not a single query");
    refused("ADD JAR /tmp/evil.jar", "not a single query");
    refused("INSERT INTO lake.p_dlo.c SELECT * FROM Individual", "not a single query");
    refused("SELECT 1 AS a FROM Individual; DROP TABLE lake.q_dlo.c", "not a single query");
  }

  private static void refused(String sql, String expected) {
    ConfigException e = assertThrows(ConfigException.class, () -> SANDBOX.checkQuery(sql), sql);
    assertTrue(e.getMessage().contains("conf/tenants/q/insights/x.sql") && e.getMessage().contains(expected),
        sql + " -> " + e.getMessage());
  }
}
