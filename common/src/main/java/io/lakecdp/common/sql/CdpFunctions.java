package io.lakecdp.common.sql;

import io.lakecdp.common.normalize.NamePart;
import io.lakecdp.common.normalize.Normalizer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import scala.Tuple3;
import scala.collection.JavaConverters;
import scala.collection.Seq;
import scala.runtime.AbstractFunction1;

/**
 * lakecdp's SQL functions for customer data, the same in formula fields, transforms, insights, activation
 * conditions and queries: they are injected into every session by {@link CdpSqlExtensions}, so the tenant SQL
 * sandbox counts them as built in. Each is null-safe (null in, null out) and deterministic; the normalizers are the
 * ones identity resolution matches with, and {@code sha256_normalized} gives the hashes activation sends.
 * An argument that names a part, a region or a kind is checked when the SQL is analysed if it is a literal.
 */
public final class CdpFunctions {
  /** One function: its name, usage text, accepted argument counts and how it is built. */
  record Definition(String name, String usage, int minArgs, int maxArgs, Function<List<Column>, Column> build) {}

  private CdpFunctions() {}

  /** Every function lakecdp adds. */
  static List<Definition> all() {
    UserDefinedFunction namePart = udf2("name_part", NamePart::of);
    UserDefinedFunction email = udf1("email_normalize", Normalizer.EMAIL::apply);
    UserDefinedFunction phoneUs = udf1("phone_e164", Normalizer.PHONE::apply);
    UserDefinedFunction phone = udf2("phone_e164", (v, region) ->
        Normalizer.phone(v, region == null ? "US" : region.strip().toUpperCase(Locale.ROOT)));
    UserDefinedFunction postal = udf1("postal_code5", Normalizer::postalCode5);
    UserDefinedFunction address = udf1("address_normalize", Normalizer.ADDRESS::apply);
    UserDefinedFunction hash = udf2("sha256_normalized", CdpFunctions::sha256Normalized);
    return List.of(
        new Definition("name_part", "name_part(full_name, part) - the salutation, first, middle, last or suffix "
            + "part of a full name as written ('Lee, Ann', 'Mrs. Ann B. Lee', 'Maria de la Cruz Jr.')", 2, 2,
            args -> {
              requireLiteralIn(args.get(1), "name_part", NamePart.PARTS);
              return namePart.apply(args.get(0), args.get(1));
            }),
        new Definition("email_normalize", "email_normalize(email) - lower case, Gmail dots and +tags dropped; null "
            + "for a malformed or placeholder address", 1, 1, args -> email.apply(args.get(0))),
        new Definition("phone_e164", "phone_e164(phone[, default_region]) - the number in E.164 form (+15551234567), "
            + "read in default_region (ISO code, default US) unless it starts with +; null when not a possible number",
            1, 2, args -> {
              if (args.size() == 1) {
                return phoneUs.apply(args.get(0));
              }
              String region = literal(args.get(1));
              if (region != null && !Normalizer.isPhoneRegion(region.strip().toUpperCase(Locale.ROOT))) {
                throw new IllegalArgumentException("phone_e164: unknown region '" + region + "' (an ISO 3166 code "
                    + "such as US, GB, DE)");
              }
              return phone.apply(args.get(0), args.get(1));
            }),
        new Definition("postal_code5", "postal_code5(zip) - the five-digit US ZIP code of a ZIP or ZIP+4; null "
            + "otherwise", 1, 1, args -> postal.apply(args.get(0))),
        new Definition("address_normalize", "address_normalize(address) - lower case, accents and punctuation "
            + "removed, street types in one form (St -> street)", 1, 1, args -> address.apply(args.get(0))),
        new Definition("sha256_normalized", "sha256_normalized(kind, value) - hex SHA-256 of the value normalized "
            + "as kind (email, phone, address, name, date, code, none), as activation sends hashed contact points",
            2, 2, args -> {
              requireLiteralIn(args.get(0), "sha256_normalized", List.of("email", "phone", "address", "name",
                  "date", "code", "postal_code", "none"));
              return hash.apply(args.get(0), args.get(1));
            }));
  }

  /** The hex SHA-256 of {@code value} normalized as {@code kind}; null when the normalized value is null. */
  public static String sha256Normalized(String kind, String value) {
    String normalized = Normalizer.forKind(kind).apply(value);
    if (normalized == null) {
      return null;
    }
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(normalized.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The descriptions Spark's extension point takes. */
  static List<Tuple3<FunctionIdentifier, ExpressionInfo, scala.Function1<Seq<Expression>, Expression>>> descriptions() {
    List<Tuple3<FunctionIdentifier, ExpressionInfo, scala.Function1<Seq<Expression>, Expression>>> out =
        new ArrayList<>();
    for (Definition d : all()) {
      ExpressionInfo info = new ExpressionInfo(CdpFunctions.class.getName(), null, d.name(), d.usage(), "", "", "",
          "", "", "", "java_udf");
      out.add(new Tuple3<>(FunctionIdentifier.apply(d.name()), info, new Builder(d)));
    }
    return out;
  }

  /** Builds a call of one function from its analysed arguments, checking their count. */
  private static final class Builder extends AbstractFunction1<Seq<Expression>, Expression>
      implements java.io.Serializable {
    private final Definition d;

    Builder(Definition d) {
      this.d = d;
    }

    @Override
    public Expression apply(Seq<Expression> arguments) {
      List<Column> args = new ArrayList<>();
      for (Expression e : JavaConverters.seqAsJavaList(arguments)) {
        args.add(new Column(e).cast(DataTypes.StringType));  // a ZIP read as int is text here
      }
      if (args.size() < d.minArgs() || args.size() > d.maxArgs()) {
        throw new IllegalArgumentException(d.name() + " takes " + (d.minArgs() == d.maxArgs() ? d.minArgs()
            : d.minArgs() + " or " + d.maxArgs()) + " arguments, found " + args.size() + ": " + d.usage());
      }
      return d.build().apply(args).expr();
    }
  }

  private static String literal(Column c) {
    Expression e = c.expr();
    if (!e.foldable() || !e.resolved()) {
      return null;
    }
    Object v = e.eval(null);
    return v == null ? null : v.toString();
  }

  private static void requireLiteralIn(Column c, String function, List<String> allowed) {
    String v = literal(c);
    if (v != null && !allowed.contains(v.strip().toLowerCase(Locale.ROOT))) {
      throw new IllegalArgumentException(function + ": unknown value '" + v + "' (expected one of "
          + String.join(", ", allowed) + ")");
    }
  }

  private static UserDefinedFunction udf1(String name, UDF1<String, String> fn) {
    return functions.udf(fn, DataTypes.StringType).withName(name);
  }

  private static UserDefinedFunction udf2(String name, UDF2<String, String, String> fn) {
    return functions.udf(fn, DataTypes.StringType).withName(name);
  }
}
