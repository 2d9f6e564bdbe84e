package io.lakecdp.common.model;

import io.lakecdp.common.lake.TenantTables;
import java.util.Map;

/** The unified objects of the data model: the names SQL and segments use, and the table each stands for. */
public final class UnifiedModel {
  public static final String INDIVIDUAL = "UnifiedIndividual";
  public static final String LINK_INDIVIDUAL = "UnifiedLinkIndividual";
  public static final String CONTACT_POINT_EMAIL = "UnifiedContactPointEmail";
  public static final String CONTACT_POINT_PHONE = "UnifiedContactPointPhone";
  public static final String CONTACT_POINT_ADDRESS = "UnifiedContactPointAddress";

  /** View name to table name (in the tenant's unified namespace). */
  public static final Map<String, String> VIEWS = Map.of(
      INDIVIDUAL, TenantTables.UNIFIED_INDIVIDUAL,
      LINK_INDIVIDUAL, TenantTables.UNIFIED_LINK_INDIVIDUAL,
      CONTACT_POINT_EMAIL, TenantTables.UNIFIED_CONTACT_POINT_EMAIL,
      CONTACT_POINT_PHONE, TenantTables.UNIFIED_CONTACT_POINT_PHONE,
      CONTACT_POINT_ADDRESS, TenantTables.UNIFIED_CONTACT_POINT_ADDRESS);

  private UnifiedModel() {}
}
