package io.lakecdp.common.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.catalog.ViewCatalog;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.apache.iceberg.rest.RESTCatalog;
import org.apache.iceberg.types.Types;

/**
 * A reader that shares no code with lakecdp: Iceberg's own catalog (Hadoop, or JDBC on PostgreSQL) and generic
 * reader, to check what jobs really committed.
 */
public final class IcebergTables {
  private final Catalog catalog;

  public IcebergTables(Path warehouse) {
    this.catalog = new HadoopCatalog(new Configuration(), warehouse.toString());
  }

  private IcebergTables(Catalog catalog) {
    this.catalog = catalog;
  }

  /** The tables of an Iceberg JDBC catalog (user lakecdp, no password), as jobs see them with that catalog name. */
  public static IcebergTables jdbc(String catalogName, String uri, Path warehouse) {
    JdbcCatalog jdbc = new JdbcCatalog();
    jdbc.setConf(new Configuration());
    jdbc.initialize(catalogName, Map.of(CatalogProperties.URI, uri, CatalogProperties.WAREHOUSE_LOCATION,
        warehouse.toString(), JdbcCatalog.PROPERTY_PREFIX + "user", "lakecdp", JdbcCatalog.PROPERTY_PREFIX + "password",
        "", "jdbc.schema-version", "V1"));
    return new IcebergTables(jdbc);
  }

  /** The tables of an Iceberg REST catalog server, through Iceberg's own REST client. */
  public static IcebergTables rest(String uri) {
    RESTCatalog rest = new RESTCatalog();
    rest.initialize("lake", Map.of(CatalogProperties.URI, uri));
    return new IcebergTables(rest);
  }

  public static IcebergTables ofTestWarehouse() {
    return new IcebergTables(TestSpark.warehouse());
  }

  /** Every table of the catalog, as namespace.table, sorted. */
  public List<String> tables() {
    List<String> out = new ArrayList<>();
    for (Namespace ns : ((SupportsNamespaces) catalog).listNamespaces()) {
      for (TableIdentifier id : catalog.listTables(ns)) {
        out.add(id.toString());
      }
    }
    out.sort(null);
    return out;
  }

  /** The names of the views in a namespace, sorted (for catalogs that hold views). */
  public List<String> views(String namespace) {
    List<String> out = new ArrayList<>();
    for (TableIdentifier id : ((ViewCatalog) catalog).listViews(Namespace.of(namespace))) {
      out.add(id.name());
    }
    out.sort(null);
    return out;
  }

  public boolean exists(String namespace, String table) {
    return catalog.tableExists(TableIdentifier.of(namespace, table));
  }

  public Table table(String namespace, String table) {
    return catalog.loadTable(TableIdentifier.of(namespace, table));
  }

  /** All rows of the table's current snapshot, as column name to value. */
  public List<Map<String, Object>> rows(String namespace, String table) {
    Table t = table(namespace, table);
    List<Map<String, Object>> out = new ArrayList<>();
    try (CloseableIterable<Record> records = IcebergGenerics.read(t).build()) {
      for (Record r : records) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Types.NestedField f : t.schema().columns()) {
          m.put(f.name(), r.getField(f.name()));
        }
        out.add(m);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** Rows keyed by the string value of {@code key}. */
  public Map<String, Map<String, Object>> rowsBy(String namespace, String table, String key) {
    Map<String, Map<String, Object>> out = new LinkedHashMap<>();
    for (Map<String, Object> row : rows(namespace, table)) {
      out.put(String.valueOf(row.get(key)), row);
    }
    return out;
  }

  public int snapshotCount(String namespace, String table) {
    int n = 0;
    for (var ignored : table(namespace, table).snapshots()) {
      n++;
    }
    return n;
  }
}
