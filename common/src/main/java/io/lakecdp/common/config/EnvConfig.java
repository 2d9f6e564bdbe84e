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

  /** Absolute paths and URIs (s3a://, hdfs://, file:) stay as they are; others join the project root. */
  public static String resolvePath(Path base, String value) {
    if (value.contains("://") || value.startsWith("file:") || value.startsWith("/")) {
      return value;
    }
    return base.resolve(value).normalize().toString();
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
