package io.lakecdp.common.config;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * An environment file ({@code conf/local.yaml}, {@code conf/emr.yaml}): the Iceberg catalog, where
 * landing data is found, and Spark settings. Relative paths resolve against the project root (the
 * parent of the conf folder), so {@code warehouse: warehouse} is {@code <root>/warehouse}.
 */
public record EnvConfig(
    String name,
    String file,
    String catalogName,
    CatalogType catalogType,
    String warehouse,
    String catalogUri,
    Map<String, String> catalogProperties,
    String landingRoot,
    String checkpointRoot,
    Map<String, String> sparkSettings) {

  private static final Set<String> TOP = Set.of("catalog", "landingRoot", "checkpointRoot", "spark");
  private static final Set<String> CATALOG = Set.of("name", "type", "warehouse", "uri", "properties");

  public EnvConfig {
    catalogProperties = Collections.unmodifiableMap(new LinkedHashMap<>(catalogProperties));
    sparkSettings = Collections.unmodifiableMap(new LinkedHashMap<>(sparkSettings));
  }

  public static EnvConfig load(Path confDir, String env) {
    Path file = confDir.resolve(env + ".yaml");
    YamlNode root = YamlNode.load(file).requireMap().allowOnly(TOP);
    Path base = confDir.toAbsolutePath().normalize().getParent();
    YamlNode catalog = root.required("catalog").allowOnly(CATALOG);
    String name = catalog.get("name").asString("lake");
    if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw catalog.get("name").error("catalog name '" + name + "' must be a SQL identifier (letters, digits, _)");
    }
    CatalogType type = catalog.get("type").asEnum(CatalogType.class, CatalogType.HADOOP);
    String warehouse = resolvePath(base, catalog.required("warehouse").asString());
    String uri = catalog.get("uri").asString(null);
    if ((type == CatalogType.REST || type == CatalogType.JDBC || type == CatalogType.HIVE) && uri == null) {
      throw catalog.get("uri").error("catalog type " + type.name().toLowerCase() + " needs a uri");
    }
    String landing = resolvePath(base, root.get("landingRoot").asString("landing"));
    String checkpoints = resolvePath(base, root.get("checkpointRoot").asString(warehouse + "/_checkpoints"));
    return new EnvConfig(env, file.toString(), name, type, warehouse, uri,
        catalog.get("properties").asStringMap(), landing, checkpoints, root.get("spark").asStringMap());
  }

  /**
   * The environment as one tenant sees it: {@code conf/tenants/<tenant>/tenant.yaml}, when there is one, may give the
   * tenant a catalog of its own (data residency: another warehouse, bucket or region), whose fields replace the
   * environment's ({@code warehouse} required; {@code type}, {@code uri}, {@code name} and {@code properties}
   * default to the environment's). Checkpoints then follow the tenant's warehouse unless the environment set them.
   */
  public EnvConfig forTenant(Path confDir, String tenant) {
    if (tenant == null || !tenant.matches("[a-z][a-z0-9_]*")) {
      return this; // TenantConfig.load says what is wrong with the name
    }
    Path file = confDir.resolve("tenants").resolve(tenant).resolve("tenant.yaml");
    if (!java.nio.file.Files.exists(file)) {
      return this;
    }
    YamlNode root = YamlNode.load(file).requireMap().allowOnly(Set.of("description", "catalog"));
    if (root.get("catalog").isMissing()) {
      return this;
    }
    Path base = confDir.toAbsolutePath().normalize().getParent();
    YamlNode catalog = root.get("catalog").allowOnly(CATALOG);
    String name = catalog.get("name").asString(catalogName);
    if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw catalog.get("name").error("catalog name '" + name + "' must be a SQL identifier (letters, digits, _)");
    }
    CatalogType type = catalog.get("type").asEnum(CatalogType.class, catalogType);
    String ownWarehouse = resolvePath(base, catalog.required("warehouse").asString());
    String uri = catalog.get("uri").asString(type == catalogType ? catalogUri : null);
    if ((type == CatalogType.REST || type == CatalogType.JDBC || type == CatalogType.HIVE) && uri == null) {
      throw catalog.get("uri").error("catalog type " + type.name().toLowerCase() + " needs a uri");
    }
    Map<String, String> properties = catalog.get("properties").isMissing() ? catalogProperties
        : catalog.get("properties").asStringMap();
    String checkpoints = checkpointRoot.equals(warehouse + "/_checkpoints") ? ownWarehouse + "/_checkpoints"
        : checkpointRoot;
    return new EnvConfig(this.name, file.toString(), name, type, ownWarehouse, uri, properties, landingRoot,
        checkpoints, sparkSettings);
  }

  /** Absolute paths and URIs (s3a://, hdfs://, file:) stay as they are; others join the project root. */
  public static String resolvePath(Path base, String value) {
    if (value.contains("://") || value.startsWith("file:") || value.startsWith("/")) {
      return value;
    }
    return base.resolve(value).normalize().toString();
  }

  /** The Iceberg catalog's own properties (type or catalog-impl, warehouse, uri, ...), for Iceberg's CatalogUtil. */
  public Map<String, String> icebergCatalogProperties() {
    String prefix = "spark.sql.catalog." + catalogName + ".";
    Map<String, String> out = new LinkedHashMap<>();
    catalogSparkSettings().forEach((k, v) -> {
      if (k.startsWith(prefix)) {
        out.put(k.substring(prefix.length()), v);
      }
    });
    return out;
  }

  /** The Spark settings that wire the Iceberg catalog, {@code spark.sql.catalog.<name>.*}. */
  public Map<String, String> catalogSparkSettings() {
    String prefix = "spark.sql.catalog." + catalogName;
    Map<String, String> out = new LinkedHashMap<>();
    out.put(prefix, "org.apache.iceberg.spark.SparkCatalog");
    switch (catalogType) {
      case HADOOP -> out.put(prefix + ".type", "hadoop");
      case REST -> out.put(prefix + ".type", "rest");
      case JDBC -> out.put(prefix + ".type", "jdbc");
      case HIVE -> out.put(prefix + ".type", "hive");
      case GLUE -> {
        out.put(prefix + ".catalog-impl", "org.apache.iceberg.aws.glue.GlueCatalog");
        out.put(prefix + ".io-impl", "org.apache.iceberg.aws.s3.S3FileIO");
      }
    }
    out.put(prefix + ".warehouse", warehouse);
    if (catalogUri != null) {
      out.put(prefix + ".uri", catalogUri);
    }
    catalogProperties.forEach((k, v) -> out.put(prefix + "." + k, v));
    return out;
  }
}
