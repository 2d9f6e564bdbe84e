package io.lakecdp.common.config;

/** How a batch of a data stream changes its DLO table. */
public enum RefreshMode {
  /** MERGE on the primary key; the newest row by the last-modified field wins. */
  UPSERT,
  /** The batch atomically replaces the whole table. */
  FULL_REFRESH
}
