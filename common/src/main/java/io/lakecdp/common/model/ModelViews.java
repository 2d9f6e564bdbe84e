package io.lakecdp.common.model;

import io.lakecdp.common.config.DmoMapping;
import io.lakecdp.common.config.EnvConfig;
import io.lakecdp.common.config.TenantConfig;
import io.lakecdp.common.lake.InputFingerprint;
import io.lakecdp.common.lake.TenantTables;
import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.Schema;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.catalog.ViewCatalog;
import org.apache.iceberg.spark.SparkSchemaUtil;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.view.View;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tenant's model as views in the catalog, namespace {@code <tenant>_dmo}, for users and other engines: every DMO
 * (the union of its mapped DLOs, as {@link DataModel} resolves it), the unified objects, each calculated insight and
 * the segment memberships. They store nothing. Each is an Iceberg view with two SQL representations, Spark's and
 * Trino's dialect, over fully qualified tables, so both engines resolve it. View names are the model's names in lower
 * case ({@code individual}, {@code unifiedindividual}, {@code customer_value}, {@code membership_latest}): Trino
 * folds identifiers to lower case, so any spelling works there; Spark matches the catalog's names as written.
 *
 * <p>A view is replaced only when its definition changed (a content hash kept as a view property), so refreshing is
 * cheap and idempotent. Catalogs without views (the Hadoop file catalog) keep today's behaviour: DMOs are resolved
 * inside each job, and this says so once.
 */
public final class ModelViews {
  private static final Logger LOG = LoggerFactory.getLogger(ModelViews.class);
  /** The view property holding the SHA-256 of the view's schema and both SQL texts. */
  public static final String DEFINITION_KEY = "lakecdp.definition-sha256";

  /** What a refresh did. */
  public record Refresh(boolean supported, List<String> created, List<String> replaced, int unchanged) {}

  private ModelViews() {}

  /** The namespace of the tenant's model views. */
  public static String namespace(String tenant) {
    return tenant + "_dmo";
  }

  /** Creates or replaces the tenant's model views that changed; a catalog without views is left alone. */
  public static Refresh refresh(EnvConfig env, TenantConfig tenant) {
    if (env.catalogType() == io.lakecdp.common.config.CatalogType.HADOOP) {
      LOG.info("The hadoop catalog keeps no views: the model stays virtual inside the jobs (no {} views)",
          namespace(tenant.name()));
      return new Refresh(false, List.of(), List.of(), 0);
    }
    Catalog catalog = CatalogUtil.buildIcebergCatalog(env.catalogName(), env.icebergCatalogProperties(),
        new Configuration());
    try {
      if (!(catalog instanceof ViewCatalog views) || !viewsWork(views, tenant.name())) {
        LOG.info("The {} catalog keeps no Iceberg views: the model stays virtual inside the jobs (no {} views)",
            env.catalogType().name().toLowerCase(Locale.ROOT), namespace(tenant.name()));
        return new Refresh(false, List.of(), List.of(), 0);
      }
      return refresh(catalog, views, env.catalogName(), tenant);
    } finally {
      if (catalog instanceof Closeable c) {
        try {
          c.close();
        } catch (IOException e) {
          LOG.debug("closing the catalog: {}", e.getMessage());
        }
      }
    }
  }

  private static boolean viewsWork(ViewCatalog views, String tenant) {
    try {
      views.listViews(Namespace.of(tenant + "_ops"));
      return true;
    } catch (UnsupportedOperationException e) {
      return false; // e.g. a JDBC catalog on its first schema version, without a column for the kind of entry
    } catch (RuntimeException e) {
      return !(String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("not supported"));
    }
  }

  private static Refresh refresh(Catalog catalog, ViewCatalog views, String catalogName, TenantConfig tenant) {
    TenantTables tables = new TenantTables(catalogName, tenant.name());
    Map<String, Definition> wanted = new LinkedHashMap<>();
    for (DmoDefinition dmo : tenant.dmos().values()) {
      Definition d = dmo(catalog, catalogName, tenant, tables, dmo);
      if (d != null) {
        wanted.put(dmo.name().toLowerCase(Locale.ROOT), d);
      }
    }
    UnifiedModel.VIEWS.forEach((view, table) -> passThrough(catalog, catalogName,
        TableIdentifier.of(tenant.name() + "_unified", table)).ifPresent(d -> wanted.put(view.toLowerCase(Locale.ROOT), d)));
    Namespace cio = Namespace.of(tenant.name() + "_cio");
    if (((SupportsNamespaces) catalog).namespaceExists(cio)) {
      for (TableIdentifier id : catalog.listTables(cio)) {
        passThrough(catalog, catalogName, id).ifPresent(d -> wanted.put(id.name(), d));
      }
    }
    for (String t : List.of(TenantTables.MEMBERSHIP_LATEST, TenantTables.MEMBERSHIP_HISTORY)) {
      passThrough(catalog, catalogName, TableIdentifier.of(tenant.name() + "_seg", t)).ifPresent(d -> wanted.put(t, d));
    }
    Namespace ns = Namespace.of(namespace(tenant.name()));
    if (!wanted.isEmpty() && !((SupportsNamespaces) catalog).namespaceExists(ns)) {
      ((SupportsNamespaces) catalog).createNamespace(ns);
    }
    List<String> created = new ArrayList<>();
    List<String> replaced = new ArrayList<>();
    int unchanged = 0;
    for (Map.Entry<String, Definition> e : wanted.entrySet()) {
      TableIdentifier id = TableIdentifier.of(ns, e.getKey());
      Definition d = e.getValue();
      boolean exists = views.viewExists(id);
      if (exists) {
        View current = views.loadView(id);
        if (d.sha256().equals(current.properties().get(DEFINITION_KEY))) {
          unchanged++;
          continue;
        }
      }
      var builder = views.buildView(id).withSchema(d.schema()).withDefaultNamespace(ns).withDefaultCatalog(catalogName)
          .withQuery("spark", d.spark()).withQuery("trino", d.trino()).withProperty(DEFINITION_KEY, d.sha256())
          .withProperty("comment", d.comment());
      if (exists) {
        builder.replace();
        replaced.add(id.toString());
      } else {
        builder.create();
        created.add(id.toString());
      }
    }
    LOG.info("Model views in {}: {} created, {} replaced, {} unchanged", ns, created.size(), replaced.size(), unchanged);
    return new Refresh(true, created, replaced, unchanged);
  }

  /** One view: its schema, its SQL in both dialects, and the hash of the three. */
  record Definition(Schema schema, String spark, String trino, String comment) {
    String sha256() {
      return InputFingerprint.sha256(schema.asStruct() + "\n" + spark + "\n" + trino);
    }
  }

  /** A DMO: the union of its mapped DLOs that have a table, each projected and cast as {@link DataModel} does. */
  static Definition dmo(Catalog catalog, String catalogName, TenantConfig tenant, TenantTables tables,
      DmoDefinition def) {
    List<String> spark = new ArrayList<>();
    List<String> trino = new ArrayList<>();
    Schema schema = SparkSchemaUtil.convert(def.schema());
    for (DmoMapping mapping : tenant.mappings()) {
      if (!mapping.dmo().equals(def.name())
          || !catalog.tableExists(TableIdentifier.of(tenant.name() + "_dlo", mapping.dlo()))) {
        continue;
      }
      List<String> sparkCols = new ArrayList<>();
      List<String> trinoCols = new ArrayList<>();
      for (Types.NestedField f : schema.columns()) {
        String source = mapping.fields().get(f.name());
        String constant = mapping.constants().get(f.name());
        if (constant == null && source == null && (f.name().equals(DmoDefinition.DATA_SOURCE_ID)
            || f.name().equals(DmoDefinition.DATA_SOURCE_OBJECT_ID))) {
          constant = mapping.dlo();
        }
        String sparkValue = source != null ? sparkName(source) : constant != null ? literal(constant) : "NULL";
        String trinoValue = source != null ? trinoName(source) : constant != null ? literal(constant) : "NULL";
        sparkCols.add("CAST(" + sparkValue + " AS " + sparkType(f.type()) + ") AS " + sparkName(f.name()));
        trinoCols.add("CAST(" + trinoValue + " AS " + trinoType(f.type()) + ") AS " + trinoName(f.name()));
      }
      String table = tenant.name() + "_dlo." + mapping.dlo();
      spark.add("SELECT " + String.join(", ", sparkCols) + " FROM " + catalogName + "." + table);
      trino.add("SELECT " + String.join(", ", trinoCols) + " FROM " + trinoName(catalogName) + "."
          + trinoName(tenant.name() + "_dlo") + "." + trinoName(mapping.dlo()));
    }
    if (spark.isEmpty()) {
      return null;
    }
    return new Definition(schema, String.join("\nUNION ALL\n", spark), String.join("\nUNION ALL\n", trino),
        "DMO " + def.name() + " of tenant " + tenant.name() + " (lakecdp)");
  }

  /** A view over one table, column by column (an unchanged schema keeps the view's definition). */
  private static java.util.Optional<Definition> passThrough(Catalog catalog, String catalogName, TableIdentifier id) {
    if (!catalog.tableExists(id)) {
      return java.util.Optional.empty();
    }
    Schema schema = catalog.loadTable(id).schema();
    List<String> spark = new ArrayList<>();
    List<String> trino = new ArrayList<>();
    for (Types.NestedField f : schema.columns()) {
      spark.add(sparkName(f.name()));
      trino.add(trinoName(f.name()));
    }
    Schema viewSchema = new Schema(schema.columns().stream()
        .map(f -> Types.NestedField.optional(f.fieldId(), f.name(), f.type(), f.doc())).toList());
    return java.util.Optional.of(new Definition(viewSchema,
        "SELECT " + String.join(", ", spark) + " FROM " + catalogName + "." + id,
        "SELECT " + String.join(", ", trino) + " FROM " + trinoName(catalogName) + "." + trinoName(id.namespace().level(0))
            + "." + trinoName(id.name()),
        id + " (lakecdp)"));
  }

  static String sparkName(String name) {
    return "`" + name.replace("`", "``") + "`";
  }

  static String trinoName(String name) {
    return "\"" + name.replace("\"", "\"\"") + "\"";
  }

  static String literal(String value) {
    return "'" + value.replace("'", "''") + "'";
  }

  /** Spark's SQL name of an Iceberg type. */
  static String sparkType(Type type) {
    return SparkSchemaUtil.convert(type).sql();
  }

  /** Trino's SQL name of an Iceberg type (the DMO types: primitives). */
  static String trinoType(Type type) {
    return switch (type.typeId()) {
      case STRING -> "varchar";
      case INTEGER -> "integer";
      case LONG -> "bigint";
      case DOUBLE -> "double";
      case FLOAT -> "real";
      case BOOLEAN -> "boolean";
      case DATE -> "date";
      case TIMESTAMP -> ((Types.TimestampType) type).shouldAdjustToUTC() ? "timestamp(6) with time zone"
          : "timestamp(6)";
      case DECIMAL -> "decimal(" + ((Types.DecimalType) type).precision() + ", " + ((Types.DecimalType) type).scale()
          + ")";
      case BINARY -> "varbinary";
      default -> throw new IllegalArgumentException("no Trino type for " + type);
    };
  }
}
