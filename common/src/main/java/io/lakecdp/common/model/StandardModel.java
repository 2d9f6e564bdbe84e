package io.lakecdp.common.model;

import static org.apache.spark.sql.types.DataTypes.StringType;

import java.util.ArrayList;
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
  /**
   * Identifiers a party holds in some system (a loyalty number, a customer number of another source, a national id):
   * identity resolution compares each {@code PartyIdentificationType} as a profile field of its own.
   */
  public static final String PARTY_IDENTIFICATION = "PartyIdentification";
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

  /**
   * The standard DMOs, one a line: name, category, then its fields in order ({@code Name} a string field,
   * {@code Name:type} one of that Spark SQL type). The key of every DMO is Id.
   */
  private static final String MODEL = """
      Individual profile: Id FirstName LastName MiddleName Salutation Suffix BirthDate:date Gender PreferredLanguage CreatedDate:timestamp LastModifiedDate:timestamp
      ContactPointEmail profile: Id PartyId EmailAddress IsPrimary:boolean OptInStatus LastModifiedDate:timestamp
      ContactPointPhone profile: Id PartyId PhoneNumber PhoneType IsPrimary:boolean OptInStatus LastModifiedDate:timestamp
      ContactPointAddress profile: Id PartyId AddressLine1 AddressLine2 City StateProvince PostalCode Country LastModifiedDate:timestamp
      PartyIdentification profile: Id PartyId IdentificationNumber PartyIdentificationType IdentificationName LastModifiedDate:timestamp
      SalesOrder engagement: Id PartyId OrderDate:timestamp OrderStatus TotalAmount:double CurrencyCode SalesChannel LastModifiedDate:timestamp
      SalesOrderProduct engagement: Id SalesOrderId ProductSku ProductName Quantity:double UnitPrice:double LineAmount:double
      EmailEngagement engagement: Id PartyId EmailAddress EngagementType EngagementDateTime:timestamp CampaignId
      """;

  private static Map<String, DmoDefinition> build() {
    Map<String, DmoDefinition> m = new LinkedHashMap<>();
    for (String line : MODEL.strip().split("\n")) {
      String[] head = line.substring(0, line.indexOf(':')).split(" ");
      List<DmoField> fields = new ArrayList<>();
      for (String field : line.substring(line.indexOf(':') + 1).trim().split("\\s+")) {
        int colon = field.indexOf(':');
        fields.add(colon < 0 ? new DmoField(field, StringType)
            : new DmoField(field.substring(0, colon), DataType.fromDDL(field.substring(colon + 1))));
      }
      m.put(head[0], DmoDefinition.of(head[0], head[1], List.of("Id"), fields));
    }
    return java.util.Collections.unmodifiableMap(m);
  }
}
