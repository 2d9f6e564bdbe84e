package io.lakecdp.common.config;

/** What happens when source records carry a column the stream does not declare. */
public enum SchemaEvolution {
  /** Add the column to the DLO table as a string column (the default: nothing is lost). */
  ADD_COLUMNS,
  /** Leave the column out and log it. */
  IGNORE,
  /** Stop the stream with an error before anything is written. */
  FAIL
}
