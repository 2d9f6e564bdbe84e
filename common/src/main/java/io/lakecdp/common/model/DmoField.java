package io.lakecdp.common.model;

import org.apache.spark.sql.types.DataType;

/** A field of a Data Model Object. */
public record DmoField(String name, DataType type) {}
