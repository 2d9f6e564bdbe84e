package io.lakecdp.common.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakecdp.common.config.ConfigException;
import io.lakecdp.common.testing.TestSpark;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

class CdpFunctionsTest {
  private final SparkSession spark = TestSpark.session();

  private Row one(String sql) {
    List<Row> rows = spark.sql(sql).collectAsList();
    assertEquals(1, rows.size());
    return rows.get(0);
  }

  @Test
  void functionsAreInEverySessionAndNullSafe() {
    Row r = one("SELECT name_part('Mrs. Ann B. Lee', 'first'), name_part('Lee, Ann', 'last'), "
        + "email_normalize(' Ann.Lee+shop@GMAIL.com '), phone_e164('(415) 555-2671 ext. 12'), "
        + "phone_e164('030 28391745', 'de'), postal_code5('02134-1234'), postal_code5(2134), "
        + "address_normalize('12 Main St.'), name_part(NULL, 'first'), postal_code5('SW1A 1AA')");
    assertEquals("Ann", r.getString(0));
    assertEquals("Lee", r.getString(1));
    assertEquals("annlee@gmail.com", r.getString(2));
    assertEquals("+14155552671", r.getString(3));
    assertEquals("+493028391745", r.getString(4));
    assertEquals("02134", r.getString(5));
    assertEquals("02134", r.getString(6));
    assertEquals("12 main street", r.getString(7));
    assertNull(r.get(8));
    assertNull(r.get(9));
  }

  @Test
  void sha256NormalizedEqualsSparksSha2OfTheNormalizedValue() {
    Row r = one("SELECT sha256_normalized('email', 'Ann.Lee@Example.com'), sha2('ann.lee@example.com', 256), "
        + "sha256_normalized('phone', '415-555-2671'), sha2('+14155552671', 256), sha256_normalized('email', 'x')");
    assertEquals(r.getString(1), r.getString(0));
    assertEquals(r.getString(3), r.getString(2));
    assertNull(r.get(4));
  }

  @Test
  void literalArgumentsAreCheckedWhenTheSqlIsAnalysed() {
    for (String bad : List.of("name_part('Ann Lee', 'given')", "phone_e164('1', 'XX')",
        "sha256_normalized('ssn', '1')", "email_normalize('a', 'b')")) {
      Exception e = assertThrows(Exception.class, () -> spark.sql("SELECT " + bad).collect(), bad);
      assertTrue(String.valueOf(e.getMessage()).matches("(?s).*(unknown|takes 1 arguments).*"), e.getMessage());
    }
  }

  @Test
  void describeFunctionShowsTheUsageAndTheSandboxAllowsThem() {
    String usage = spark.sql("DESCRIBE FUNCTION name_part").collectAsList().toString();
    assertTrue(usage.contains("salutation, first, middle, last or suffix"), usage);
    new TenantSql(spark, Set.of("Individual"), "insights/x.sql", "sql")
        .checkQuery("SELECT name_part(FirstName, 'first'), phone_e164(FirstName, 'GB') FROM Individual");
    assertThrows(ConfigException.class, () -> new TenantSql(spark, Set.of("Individual"), "insights/x.sql", "sql")
        .checkQuery("SELECT no_such_function(FirstName) FROM Individual"));
  }
}
