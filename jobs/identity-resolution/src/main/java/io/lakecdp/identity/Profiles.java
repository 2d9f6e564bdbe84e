package io.lakecdp.identity;

import io.lakecdp.common.config.TenantConfig;
import io.lakecdp.common.model.DataModel;
import io.lakecdp.common.model.DmoDefinition;
import io.lakecdp.common.model.StandardModel;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Source profiles for identity resolution, one row per source Individual: its attributes and every one of
 * its e-mails, phones and addresses from the contact-point DMOs, newest first, joined by
 * {@link Comparison#MULTI} (the i-th address, city and postal code belong together). {@code record_id} is
 * {@code <DataSourceObjectId>:<Id>}, unique across sources. Configurations name these columns; fields of
 * the Individual DMO beyond the standard ones (custom fields) are there too, in snake_case.
 *
 * <p>Party identifiers (the PartyIdentification DMO) become one column per identification type, in snake_case
 * ({@code Loyalty Number} and {@code LoyaltyNumber} are {@code loyalty_number}; a row without a type is named by its
 * {@code IdentificationName}), holding every number of that type the party has, newest first. A type whose column
 * the Individual already has adds its numbers to that column's values.
 */
final class Profiles {
  static final List<String> COLUMNS = List.of("first_name", "last_name", "middle_name", "salutation", "suffix",
      "birth_date", "gender", "preferred_language", "email", "phone", "address", "city", "postal_code", "source",
      "last_modified");
  /** Multi-valued columns: for reconciliation, the newest value. */
  static final List<String> MULTI_VALUED = List.of("email", "phone", "address", "city", "postal_code");
  /** Values of one kind kept per party (the newest). */
  static final int MAX_VALUES = 10;
  private static final Set<String> STANDARD_INDIVIDUAL = Set.of("Id", "FirstName", "LastName", "MiddleName",
      "Salutation", "Suffix", "BirthDate", "Gender", "PreferredLanguage", "CreatedDate", "LastModifiedDate",
      "DataSourceObjectId", "DataSourceId");

  /** Columns a party identification type may not become. */
  private static final Set<String> INTERNAL = Set.of(ResolutionEngine.ID, "dso", "individual_id", "source",
      "last_modified", "profile_sha256", "component_id", "unified_id");
  private static final Logger LOG = LoggerFactory.getLogger(Profiles.class);
  /**
   * Prefix of the columns holding the digests of a record's whole contact points: in the content hash only
   * ({@link #withContentHash} drops them).
   */
  static final String DIGEST = "__contact_points_";

  private Profiles() {}

  /** The fields a tenant's profiles have whatever its data: the standard ones and its Individual's custom fields. */
  static Set<String> fieldsOf(TenantConfig tenant) {
    Set<String> out = new LinkedHashSet<>(COLUMNS);
    DmoDefinition individual = tenant.dmos().get(StandardModel.INDIVIDUAL);
    if (individual != null) {
      for (String f : individual.fields().keySet()) {
        if (!STANDARD_INDIVIDUAL.contains(f) && !f.startsWith("_")) {
          out.add(snake(f));
        }
      }
    }
    return out;
  }

  static Dataset<Row> build(DataModel model) {
    Dataset<Row> dmo = model.dmo(StandardModel.INDIVIDUAL);
    List<Column> cols = new ArrayList<>(List.of(
        key("Id"), functions.col("DataSourceObjectId").as("dso"), functions.col("Id").as("individual_id"),
        functions.col("FirstName").as("first_name"), functions.col("LastName").as("last_name"),
        functions.col("MiddleName").as("middle_name"), functions.col("Salutation").as("salutation"),
        functions.col("Suffix").as("suffix"), functions.col("BirthDate").cast("string").as("birth_date"),
        functions.col("Gender").as("gender"), functions.col("PreferredLanguage").as("preferred_language"),
        functions.col("DataSourceId").as("source"), functions.col("LastModifiedDate").as("last_modified")));
    for (String c : dmo.columns()) {
      if (!STANDARD_INDIVIDUAL.contains(c) && !c.startsWith("_")) {
        cols.add(functions.col("`" + c + "`").cast("string").as(snake(c)));
      }
    }
    Dataset<Row> individuals = dmo.select(cols.toArray(new Column[0]));
    individuals = withIdentifiers(individuals, model.dmo(StandardModel.PARTY_IDENTIFICATION));
    Dataset<Row> email = all(model.dmo(StandardModel.CONTACT_POINT_EMAIL), "EmailAddress", "email");
    Dataset<Row> phone = all(model.dmo(StandardModel.CONTACT_POINT_PHONE), "PhoneNumber", "phone");
    Dataset<Row> address = all(model.dmo(StandardModel.CONTACT_POINT_ADDRESS), "PostalCode", "postal_code",
        "AddressLine1", "address", "City", "city");
    return individuals.join(email, ResolutionEngine.ID, "left").join(phone, ResolutionEngine.ID, "left")
        .join(address, ResolutionEngine.ID, "left");
  }

  /**
   * The profiles with {@code profile_sha256}: the SHA-256 of each row's values (what an incremental run compares to
   * find the profiles that changed).
   */
  static Dataset<Row> withContentHash(Dataset<Row> profiles) {
    Column[] all = java.util.Arrays.stream(profiles.columns()).map(c -> functions.col("`" + c + "`")).toArray(Column[]::new);
    Dataset<Row> out = profiles.withColumn("profile_sha256", functions.sha2(functions.to_json(functions.struct(all)), 256));
    for (String c : profiles.columns()) {
      if (c.startsWith(DIGEST)) {
        out = out.drop(c);
      }
    }
    return out;
  }

  /** {@code <DataSourceObjectId>:<idColumn>} as {@code record_id}: a source record (or its party) across sources. */
  static Column key(String idColumn) {
    return functions.concat_ws(":", functions.col("DataSourceObjectId"), functions.col(idColumn)).as(ResolutionEngine.ID);
  }

  /** The newest value of each multi-valued column, as reconciliation and the unified profile use them. */
  static Dataset<Row> newestValues(Dataset<Row> profiles) {
    Dataset<Row> out = profiles;
    for (String c : MULTI_VALUED) {
      Column first = functions.substring_index(functions.col(c), Comparison.MULTI, 1);
      out = out.withColumn(c, functions.when(first.equalTo(""), functions.lit(null)).otherwise(first));
    }
    return out;
  }

  /**
   * Every contact point of each party whose required DMO field has a value, newest first (at most
   * {@link #MAX_VALUES}), as one multi-valued column per {@code (DMO field, column)} pair.
   */
  private static Dataset<Row> all(Dataset<Row> contactPoints, String... fieldsAndColumns) {
    List<Column> values = new ArrayList<>();
    for (int i = 0; i < fieldsAndColumns.length; i += 2) {
      values.add(functions.coalesce(functions.col(fieldsAndColumns[i]).cast("string"), functions.lit("")).as(fieldsAndColumns[i + 1]));
    }
    // A digest of each whole contact point, the ones without the required field too (an address without a postal code
    // is still a row of the unified address table): part of the profile's content hash, so that a record whose contact
    // points changed in any column (opt-in status, phone type, every address line) is a changed record.
    Column[] whole = java.util.Arrays.stream(contactPoints.columns()).filter(c -> !c.startsWith("_"))
        .map(c -> functions.col("`" + c + "`")).toArray(Column[]::new);
    Dataset<Row> cp = contactPoints.select(key("PartyId"),
        functions.when(functions.col(fieldsAndColumns[0]).isNotNull(), stamped(values)).as("v"),
        functions.xxhash64(whole).as("d"));
    String digest = DIGEST + fieldsAndColumns[1];
    Dataset<Row> grouped = cp.groupBy(ResolutionEngine.ID).agg(newestFirst("v").as("vs"),
        functions.sort_array(functions.collect_list("d")).as(digest));
    List<Column> out = new ArrayList<>();
    out.add(functions.col(ResolutionEngine.ID));
    out.add(functions.col(digest));
    for (int i = 1; i < fieldsAndColumns.length; i += 2) {
      String c = fieldsAndColumns[i];
      // null, as for a party without contact points, when none has the required field
      out.add(functions.when(functions.size(functions.col("vs")).gt(0), functions.expr("array_join(transform(vs, x -> x."
          + c + "), '" + Comparison.MULTI + "')")).as(c));
    }
    return grouped.select(out.toArray(new Column[0]));
  }

  /**
   * The individuals with a column per party identification type (see the class comment). The types are read first
   * (a small distinct query), so that each becomes a named column.
   */
  static Dataset<Row> withIdentifiers(Dataset<Row> individuals, Dataset<Row> identifiers) {
    Dataset<Row> ids = identifiers.filter(functions.trim(functions.col("IdentificationNumber")).notEqual(""))
        .select(key("PartyId"), functions.coalesce(functions.col("PartyIdentificationType"),
            functions.col("IdentificationName")).as("type"),
            stamped(List.of(functions.trim(functions.col("IdentificationNumber")).as("n"))).as("v"))
        .filter(functions.col("type").isNotNull());
    TreeMap<String, String> kindOfType = new TreeMap<>();
    for (Row r : ids.select("type").distinct().collectAsList()) {
      String kind = typeField(r.getString(0));
      if (INTERNAL.contains(kind)) {
        LOG.warn("party identification type '{}' is named like an internal column of identity resolution; "
            + "its identifiers are not compared (give it another PartyIdentificationType)", kind);
      } else if (!kind.isEmpty()) {
        kindOfType.put(r.getString(0), kind);
      }
    }
    List<String> kinds = kindOfType.values().stream().distinct().sorted().toList();
    if (kinds.isEmpty()) {
      return individuals;
    }
    LOG.info("party identifiers: {} type(s) compared as profile fields: {}", kinds.size(), kinds);
    List<Column> typeToKind = new ArrayList<>();
    kindOfType.forEach((type, kind) -> {
      typeToKind.add(functions.lit(type));
      typeToKind.add(functions.lit(kind));
    });
    Dataset<Row> perKind = ids.withColumn("kind", functions.element_at(functions.map(typeToKind.toArray(new Column[0])),
            functions.col("type")))
        .filter(functions.col("kind").isNotNull())
        .groupBy(functions.col(ResolutionEngine.ID), functions.col("kind"))
        .agg(newestFirst("v").as("vs"))
        .select(functions.col(ResolutionEngine.ID), functions.col("kind"),
            functions.expr("array_join(array_distinct(transform(vs, x -> x.n)), '" + Comparison.MULTI + "')").as("n"));
    Dataset<Row> wide = perKind.groupBy(ResolutionEngine.ID).pivot("kind", new ArrayList<>(kinds))
        .agg(functions.first("n"));
    List<String> existing = List.of(individuals.columns());
    for (String k : kinds) {
      if (existing.contains(k)) {
        wide = wide.withColumnRenamed(k, "__id_" + k);
      }
    }
    Dataset<Row> out = individuals.join(wide, individuals.col(ResolutionEngine.ID).equalTo(wide.col(ResolutionEngine.ID)),
        "left").drop(wide.col(ResolutionEngine.ID));
    for (String k : kinds) {
      if (existing.contains(k)) {
        Column own = functions.when(functions.trim(functions.col(k)).equalTo(""), functions.lit(null))
            .otherwise(functions.col(k));
        out = out.withColumn(k, functions.concat_ws(Comparison.MULTI, own, functions.col("__id_" + k)))
            .withColumn(k, functions.when(functions.col(k).equalTo(""), functions.lit(null)).otherwise(functions.col(k)))
            .drop("__id_" + k);
      }
    }
    return out;
  }

  /**
   * The profile field a party identification type names: snake_case, runs of other characters as one underscore, none
   * at either end ({@code Loyalty Number}, {@code LoyaltyNumber}, {@code loyalty-number}: {@code loyalty_number}).
   */
  static String typeField(String type) {
    return snake(type.trim()).replaceAll("[^a-z0-9]+", "_").replaceAll("^_+|_+$", "");
  }

  /** A value's struct with its contact point's time and id first, so that a descending sort puts the newest first. */
  private static Column stamped(List<Column> values) {
    List<Column> parts = new ArrayList<>();
    parts.add(functions.coalesce(functions.col("LastModifiedDate").cast("long"), functions.lit(Long.MIN_VALUE)).as("t"));
    parts.add(functions.col("Id").cast("string").as("id"));
    parts.addAll(values);
    return functions.struct(parts.toArray(new Column[0]));
  }

  /** The {@link #stamped} structs of a group, newest first, at most {@link #MAX_VALUES}. */
  private static Column newestFirst(String stamped) {
    return functions.slice(functions.sort_array(functions.collect_list(stamped), false), 1, MAX_VALUES);
  }

  private static String snake(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
  }
}
