package io.lakecdp.identity;

import io.lakecdp.common.model.DataModel;
import io.lakecdp.common.model.StandardModel;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;

/**
 * Source profiles for identity resolution, one row per source Individual: its attributes and its most
 * recent e-mail, phone and address from the contact-point DMOs. {@code record_id} is
 * {@code <DataSourceObjectId>:<Id>}, unique across sources. Rule files name these columns.
 */
final class Profiles {
  static final List<String> COLUMNS = List.of("first_name", "last_name", "birth_date", "email", "phone", "address",
      "city", "postal_code", "source", "last_modified");

  private Profiles() {}

  static Dataset<Row> build(DataModel model) {
    Dataset<Row> individuals = model.dmo(StandardModel.INDIVIDUAL).select(
        key("Id"), functions.col("DataSourceObjectId").as("dso"), functions.col("Id").as("individual_id"),
        functions.col("FirstName").as("first_name"), functions.col("LastName").as("last_name"),
        functions.col("BirthDate").cast("string").as("birth_date"), functions.col("DataSourceId").as("source"),
        functions.col("LastModifiedDate").as("last_modified"));
    Dataset<Row> email = latest(model.dmo(StandardModel.CONTACT_POINT_EMAIL), "email",
        functions.col("EmailAddress").as("email"));
    Dataset<Row> phone = latest(model.dmo(StandardModel.CONTACT_POINT_PHONE), "phone",
        functions.col("PhoneNumber").as("phone"));
    Dataset<Row> address = latest(model.dmo(StandardModel.CONTACT_POINT_ADDRESS), "postal_code",
        functions.col("AddressLine1").as("address"), functions.col("City").as("city"),
        functions.col("PostalCode").as("postal_code"));
    return individuals.join(email, ResolutionEngine.ID, "left").join(phone, ResolutionEngine.ID, "left")
        .join(address, ResolutionEngine.ID, "left");
  }

  /** {@code <DataSourceObjectId>:<idColumn>} as {@code record_id}: a source record (or its party) across sources. */
  static Column key(String idColumn) {
    return functions.concat_ws(":", functions.col("DataSourceObjectId"), functions.col(idColumn)).as(ResolutionEngine.ID);
  }

  /** The most recently modified contact point of each party that has a value. */
  private static Dataset<Row> latest(Dataset<Row> contactPoints, String required, Column... values) {
    Dataset<Row> cp = contactPoints.select(key("PartyId"), functions.col("LastModifiedDate").as("cp_modified"),
        functions.struct(values).as("v"));
    return cp.filter(functions.col("v").getField(required).isNotNull())
        .withColumn("rn", functions.row_number().over(Window.partitionBy(ResolutionEngine.ID)
            .orderBy(functions.col("cp_modified").desc_nulls_last())))
        .filter("rn = 1").select(functions.col(ResolutionEngine.ID), functions.col("v.*"));
  }
}
