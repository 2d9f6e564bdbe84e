package io.lakecdp.common.sql;

import org.apache.spark.sql.SparkSessionExtensions;
import scala.runtime.AbstractFunction1;
import scala.runtime.BoxedUnit;

/**
 * Spark session extension ({@code spark.sql.extensions}) that adds lakecdp's SQL functions ({@link CdpFunctions})
 * to every session lakecdp builds, so that formulas, transforms, insights and queries see the same functions.
 */
public final class CdpSqlExtensions extends AbstractFunction1<SparkSessionExtensions, BoxedUnit> {
  @Override
  public BoxedUnit apply(SparkSessionExtensions extensions) {
    CdpFunctions.descriptions().forEach(extensions::injectFunction);
    return BoxedUnit.UNIT;
  }
}
