package io.lakecdp.common.config;

/** File formats a data stream's landing folder may hold. */
public enum SourceFormat {
  CSV,
  JSON,
  PARQUET
}
