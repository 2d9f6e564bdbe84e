package io.lakecdp.common.model;

import static org.apache.spark.sql.types.DataTypes.BooleanType;
import static org.apache.spark.sql.types.DataTypes.DateType;
import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.TimestampType;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.types.DataType;

/**
 * The standard data model shipped with lakecdp, modelled on the Customer 360 data model: profile
 * objects (Individual and its contact points), sales orders and email engagement.
 */
public final class StandardModel {
  public static final String INDIVIDUAL = "Individual";
  public static final String CONTACT_POINT_EMAIL = "ContactPointEmail";
  public static final String CONTACT_POINT_PHONE = "ContactPointPhone";
  public static final String CONTACT_POINT_ADDRESS = "ContactPointAddress";
  public static final String SALES_ORDER = "SalesOrder";
  public static final String SALES_ORDER_PRODUCT = "SalesOrderProduct";
  public static final String EMAIL_ENGAGEMENT = "EmailEngagement";
  /**
   * Reconciled fields of the unified individual ({@code <tenant>_unified.unified_individual}); each also has a
   * {@code <field>_source} column naming the source record its value came from.
   */
  public static final java.util.List<String> UNIFIED_INDIVIDUAL_FIELDS = java.util.List.of("first_name", "last_name",
      "birth_date", "email", "phone", "address", "city", "postal_code");

  private static final Map<String, DmoDefinition> DEFINITIONS = build();

  private StandardModel() {}

  public static Map<String, DmoDefinition> definitions() {
    return DEFINITIONS;
  }

  private static Map<String, DmoDefinition> build() {
    Map<String, DmoDefinition> m = new LinkedHashMap<>();
    add(m, INDIVIDUAL, "profile",
        f("Id", StringType), f("FirstName", StringType), f("LastName", StringType),
        f("MiddleName", StringType), f("Salutation", StringType), f("Suffix", StringType),
        f("BirthDate", DateType), f("Gender", StringType), f("PreferredLanguage", StringType),
        f("CreatedDate", TimestampType), f("LastModifiedDate", TimestampType));
    add(m, CONTACT_POINT_EMAIL, "profile",
        f("Id", StringType), f("PartyId", StringType), f("EmailAddress", StringType),
        f("IsPrimary", BooleanType), f("OptInStatus", StringType), f("LastModifiedDate", TimestampType));
    add(m, CONTACT_POINT_PHONE, "profile",
        f("Id", StringType), f("PartyId", StringType), f("PhoneNumber", StringType),
        f("PhoneType", StringType), f("IsPrimary", BooleanType), f("OptInStatus", StringType),
        f("LastModifiedDate", TimestampType));
    add(m, CONTACT_POINT_ADDRESS, "profile",
        f("Id", StringType), f("PartyId", StringType), f("AddressLine1", StringType),
        f("AddressLine2", StringType), f("City", StringType), f("StateProvince", StringType),
        f("PostalCode", StringType), f("Country", StringType), f("LastModifiedDate", TimestampType));
    add(m, SALES_ORDER, "engagement",
        f("Id", StringType), f("PartyId", StringType), f("OrderDate", TimestampType),
        f("OrderStatus", StringType), f("TotalAmount", DoubleType), f("CurrencyCode", StringType),
        f("SalesChannel", StringType), f("LastModifiedDate", TimestampType));
    add(m, SALES_ORDER_PRODUCT, "engagement",
        f("Id", StringType), f("SalesOrderId", StringType), f("ProductSku", StringType),
        f("ProductName", StringType), f("Quantity", DoubleType), f("UnitPrice", DoubleType),
        f("LineAmount", DoubleType));
    add(m, EMAIL_ENGAGEMENT, "engagement",
        f("Id", StringType), f("PartyId", StringType), f("EmailAddress", StringType),
        f("EngagementType", StringType), f("EngagementDateTime", TimestampType),
        f("CampaignId", StringType));
    return java.util.Collections.unmodifiableMap(m);
  }

  private static void add(Map<String, DmoDefinition> m, String name, String category, DmoField... fields) {
    m.put(name, DmoDefinition.of(name, category, List.of("Id"), Arrays.asList(fields)));
  }

  private static DmoField f(String name, DataType type) {
    return new DmoField(name, type);
  }
}
