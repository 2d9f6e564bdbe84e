package io.lakecdp.common.model;

import io.lakecdp.common.lake.TenantTables;
import java.util.HashMap;
import java.util.Map;

/** The unified objects of the data model: the names SQL and segments use, and the table each stands for. */
public final class UnifiedModel {
  public static final String INDIVIDUAL = "UnifiedIndividual";
  public static final String LINK_INDIVIDUAL = "UnifiedLinkIndividual";
  public static final String CONTACT_POINT_EMAIL = "UnifiedContactPointEmail";
  public static final String CONTACT_POINT_PHONE = "UnifiedContactPointPhone";
  public static final String CONTACT_POINT_ADDRESS = "UnifiedContactPointAddress";

  /** The unified contact point objects (one row per contact point of a unified profile), each with its table. */
  public static final Map<String, String> CONTACT_POINTS = Map.of(
      CONTACT_POINT_EMAIL, TenantTables.UNIFIED_CONTACT_POINT_EMAIL,
      CONTACT_POINT_PHONE, TenantTables.UNIFIED_CONTACT_POINT_PHONE,
      CONTACT_POINT_ADDRESS, TenantTables.UNIFIED_CONTACT_POINT_ADDRESS);

  /** Every unified object SQL can name, and the table (in the tenant's unified namespace) each stands for. */
  public static final Map<String, String> VIEWS = views();

  private static Map<String, String> views() {
    Map<String, String> all = new HashMap<>(CONTACT_POINTS);
    all.put(INDIVIDUAL, TenantTables.UNIFIED_INDIVIDUAL);
    all.put(LINK_INDIVIDUAL, TenantTables.UNIFIED_LINK_INDIVIDUAL);
    return Map.copyOf(all);
  }

  private UnifiedModel() {}

  /** Registers the unified tables that exist as temporary views named like the model ({@code UnifiedIndividual}, ...). */
  public static void registerViews(org.apache.spark.sql.SparkSession spark, TenantTables tables) {
    VIEWS.forEach((view, table) -> {
      String name = tables.unified(table);
      if (spark.catalog().tableExists(name)) {
        spark.table(name).createOrReplaceTempView(view);
      } else {
        spark.catalog().dropTempView(view);
      }
    });
  }
}
