package io.lakecdp.common.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lakecdp.common.config.EnvConfig;
import io.lakecdp.common.config.TenantConfig;
import io.lakecdp.common.lake.TenantTables;
import io.lakecdp.common.testing.DataFrames;
import io.lakecdp.common.testing.TestConf;
import io.lakecdp.common.testing.TestSpark;
import java.sql.Date;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataModelTest {
  static SparkSession spark;
  static DataModel model;
  static DmoDefinition individual;

  @BeforeAll
  static void setUp(@TempDir java.nio.file.Path dir) {
    spark = TestSpark.session();
    TestConf conf = TestConf.create(dir, "dmtest")
        .tenantFile("streams.yaml", """
            streams:
              crm: {format: csv, path: crm, primaryKey: [cid], fields: {cid: string, fn: string, born: date}}
              web: {format: json, path: web, primaryKey: [uid], fields: {uid: long, given: string}}
              pos: {format: csv, path: pos, primaryKey: [num], fields: {num: string}}
            """)
        .tenantFile("mappings.yaml", """
            mappings:
              - dlo: crm
                dmo: Individual
                fields: {Id: cid, FirstName: fn, BirthDate: born}
                constants: {DataSourceId: crm}
              - dlo: web
                dmo: Individual
                fields: {Id: uid, FirstName: given}
              - dlo: pos
                dmo: Individual
                fields: {Id: num}
            """);
    spark.sql("CREATE TABLE lake.dmtest_dlo.crm (cid string, fn string, born date, extra string) USING iceberg");
    spark.sql("INSERT INTO lake.dmtest_dlo.crm VALUES ('c1', 'Ann', DATE '1990-01-02', 'x'), ('c2', 'Bob', NULL, 'y')");
    spark.sql("CREATE TABLE lake.dmtest_dlo.web (uid bigint, given string) USING iceberg");
    spark.sql("INSERT INTO lake.dmtest_dlo.web VALUES (7, 'Cy')");
    EnvConfig env = EnvConfig.load(conf.confDir(), "local");
    TenantConfig tenant = TenantConfig.load(conf.confDir(), "dmtest", env);
    model = new DataModel(spark, tenant, new TenantTables("lake", "dmtest"));
    individual = tenant.dmos().get("Individual");
  }

  @Test
  void dmoIsTheUnionOfMappedDloProjections() {
    int n = individual.fields().size();
    List<Row> rows = List.of(
        row(n, "Id", "c1", "FirstName", "Ann", "BirthDate", Date.valueOf("1990-01-02"), "DataSourceId", "crm",
            "DataSourceObjectId", "crm"),
        row(n, "Id", "c2", "FirstName", "Bob", "DataSourceId", "crm", "DataSourceObjectId", "crm"),
        row(n, "Id", "7", "FirstName", "Cy", "DataSourceId", "web", "DataSourceObjectId", "web"));
    Dataset<Row> expected = spark.createDataFrame(rows, individual.schema());
    DataFrames.assertSameRows(expected, model.dmo("Individual"));
  }

  @Test
  void dmoWithoutAnyMappedTableIsEmptyWithItsSchema() {
    Dataset<Row> orders = model.dmo("SalesOrder");
    assertEquals(0, orders.count());
    assertEquals(model.definition("SalesOrder").schema(), orders.schema());
  }

  @Test
  void viewsLetSqlNameDmos() {
    model.registerViews();
    List<Row> r = spark.sql("SELECT FirstName FROM Individual WHERE DataSourceId = 'web'").collectAsList();
    assertEquals(List.of(RowFactory.create("Cy")), r);
  }

  /** A row of the Individual schema with the named fields set and the rest null. */
  private static Row row(int width, Object... nameValues) {
    Object[] values = new Object[width];
    List<String> names = List.copyOf(individual.fields().keySet());
    for (int i = 0; i < nameValues.length; i += 2) {
      values[names.indexOf((String) nameValues[i])] = nameValues[i + 1];
    }
    return RowFactory.create(values);
  }
}
