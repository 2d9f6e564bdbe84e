package io.lakecdp.common.config;

/** Where Iceberg table metadata lives. Chosen in the environment file, never in code. */
public enum CatalogType {
  /** Metadata files in the warehouse folder itself (local disk, HDFS or S3); the embedded default. */
  HADOOP,
  /** AWS Glue Data Catalog; the warehouse is an s3:// or s3a:// location. */
  GLUE,
  /** An Iceberg REST catalog at {@code uri}. */
  REST,
  /** A JDBC database (PostgreSQL, for example) at {@code uri}. */
  JDBC,
  /** A Hive metastore at {@code uri}. */
  HIVE
}
