package io.lakecdp.activation;

import io.lakecdp.common.config.ConfigException;
import io.lakecdp.common.config.ConfigFiles;
import io.lakecdp.common.config.YamlNode;
import io.lakecdp.common.config.definition.InsightDefinition;
import io.lakecdp.common.lake.InputFingerprint;
import io.lakecdp.common.lake.TenantTables;
import io.lakecdp.common.model.DmoDefinition;
import io.lakecdp.common.model.StandardModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One activation, {@code conf/tenants/<tenant>/activations/<id>.yaml}: which segment's members go where, in
 * which file format, with which attributes and contact points. Everything that can be checked without data is
 * checked on load (the segment exists, attributes name known fields, insights and objects, the target's
 * scheme is supported); SQL conditions are checked against the data model when the job starts.
 */
public record ActivationDefinition(
    String id,
    Path file,
    String segment,
    String target,
    Format format,
    boolean gzip,
    long maxRowsPerFile,
    Refresh refresh,
    List<Attribute> attributes,
    Map<String, List<String>> contactPoints,
    boolean hashing,
    boolean requireContactPoint,
    List<String> optOutValues,
    Related optOutEvents,
    String definitionHash) {

  public enum Format { CSV, NDJSON, PARQUET }

  public enum Refresh { FULL, INCREMENTAL }

  /** Contact point kinds that can be sent, and the unified table each comes from. */
  static final Map<String, String> CONTACT_POINT_TABLES = Map.of(
      "email", TenantTables.UNIFIED_CONTACT_POINT_EMAIL, "phone", TenantTables.UNIFIED_CONTACT_POINT_PHONE);
  /** The column of each contact point table that holds the value as the source gave it. */
  static final Map<String, String> CONTACT_POINT_VALUES = Map.of("email", "email_address", "phone", "phone_number");
  static final Set<String> SCHEMES = Set.of("file", "hdfs", "s3a");
  static final Set<String> FUNCTIONS = Set.of("count", "sum", "min", "max", "avg");

  private static final Set<String> KEYS = Set.of("description", "segment", "target", "format", "gzip", "maxRowsPerFile",
      "refresh", "attributes", "contactPoints", "hashing", "requireContactPoint", "consent");
  private static final Pattern ID = Pattern.compile("[a-z][a-z0-9_]{0,62}");
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

  /**
   * An exported column: a field of the unified individual, a measure or dimension of an insight
   * ({@code insight.column}), or an aggregate of a related object's rows per member.
   */
  public sealed interface Attribute {
    String name();
  }

  public record UnifiedField(String name, String field) implements Attribute {}

  public record InsightField(String name, String insight, String column) implements Attribute {}

  /** @param function count, sum, min, max or avg of {@code field} (null for count) over the rows matching {@code where} */
  public record RelatedAggregate(String name, Related related, String function, String field) implements Attribute {}

  /** Rows of a DMO that belong to the member (through its party id), optionally filtered by a SQL condition. */
  public record Related(String object, String where, String path) {}

  /** Every activation of the tenant, checked against its segments, insights and data model. */
  public static List<ActivationDefinition> loadAll(Path tenantDir, Map<String, DmoDefinition> dmos,
      UnaryOperator<String> env) {
    return ConfigFiles.list(tenantDir.resolve("activations"), ".yaml").stream()
        .map(f -> load(f, tenantDir, dmos, env)).toList();
  }

  public static ActivationDefinition load(Path file, Path tenantDir, Map<String, DmoDefinition> dmos,
      UnaryOperator<String> env) {
    String id = ConfigFiles.baseName(file, ".yaml");
    if (!ID.matcher(id).matches()) {
      throw new ConfigException(file.toString(), "id", "activation id '" + id
          + "' (the file name) must be lower case letters, digits and _ and start with a letter");
    }
    YamlNode root = YamlNode.load(file).allowOnly(KEYS);

    YamlNode segNode = root.required("segment");
    String segment = segNode.asString();
    Path segFile = tenantDir.resolve("segments").resolve(segment + ".yaml");
    if (!Files.isRegularFile(segFile)) {
      List<String> known = ConfigFiles.list(tenantDir.resolve("segments"), ".yaml").stream()
          .map(p -> ConfigFiles.baseName(p, ".yaml")).toList();
      throw segNode.error("unknown segment '" + segment + "' (segments: " + String.join(", ", known) + ")");
    }

    YamlNode targetNode = root.required("target");
    String target = target(targetNode, env);

    Format format = root.get("format").asEnum(Format.class, Format.CSV);
    boolean gzip = root.get("gzip").asBoolean(format != Format.PARQUET);
    if (gzip && format == Format.PARQUET) {
      throw root.get("gzip").error("Parquet files are compressed inside; gzip applies to csv and ndjson only");
    }
    long maxRows = root.get("maxRowsPerFile").asLong(1_000_000);
    if (maxRows <= 0) {
      throw root.get("maxRowsPerFile").error("must be a positive number of rows");
    }
    Refresh refresh = root.get("refresh").asEnum(Refresh.class, Refresh.FULL);

    Map<String, InsightDefinition> insights = new LinkedHashMap<>();
    List<Attribute> attributes = new ArrayList<>();
    YamlNode attrs = root.get("attributes");
    for (YamlNode a : attrs.isMissing() ? List.<YamlNode>of() : attrs.items()) {
      Attribute attribute = attribute(a, tenantDir, dmos, insights);
      if (attributes.stream().anyMatch(x -> x.name().equals(attribute.name())) || attribute.name().equals("member_id")) {
        throw a.error("column '" + attribute.name() + "' is exported twice (or clashes with member_id); give it a name:");
      }
      attributes.add(attribute);
    }

    Map<String, List<String>> contactPoints = new LinkedHashMap<>();
    YamlNode cps = root.get("contactPoints");
    if (!cps.isMissing()) {
      cps.requireMap().allowOnly(CONTACT_POINT_TABLES.keySet());
      cps.entries().forEach((kind, n) -> contactPoints.put(kind,
          n.isMissing() || n.get("sources").isMissing() ? List.of() : n.allowOnly(Set.of("sources")).get("sources").asStringList()));
    }
    boolean requireContactPoint = root.get("requireContactPoint").asBoolean(!contactPoints.isEmpty());
    if (requireContactPoint && contactPoints.isEmpty()) {
      throw root.get("requireContactPoint").error("needs contactPoints to choose from");
    }

    List<String> optOut = List.of("false", "no", "n", "0", "opted_out", "optedout", "opt_out", "unsubscribed");
    Related optOutEvents = null;
    YamlNode consent = root.get("consent");
    if (!consent.isMissing()) {
      consent.allowOnly(Set.of("optOutValues", "optOutEvents"));
      if (!consent.get("optOutValues").isMissing()) {
        optOut = consent.get("optOutValues").asStringList().stream().map(v -> v.toLowerCase(Locale.ROOT)).toList();
      }
      if (!consent.get("optOutEvents").isMissing()) {
        YamlNode ev = consent.get("optOutEvents").allowOnly(Set.of("object", "where"));
        optOutEvents = related(ev, dmos);
      }
    }
    return new ActivationDefinition(id, file, segment, target, format, gzip, maxRows, refresh, attributes,
        contactPoints, root.get("hashing").asBoolean(false), requireContactPoint, optOut, optOutEvents, hash(file));
  }

  /** Column names of the export, in order (after {@code member_id}). */
  public List<String> columns() {
    List<String> out = new ArrayList<>();
    attributes.forEach(a -> out.add(a.name()));
    contactPoints.keySet().forEach(k -> out.add(hashing ? k + "_sha256" : k));
    return out;
  }

  private static Attribute attribute(YamlNode a, Path tenantDir, Map<String, DmoDefinition> dmos,
      Map<String, InsightDefinition> insights) {
    if (a.isScalar()) {
      String ref = a.asString();
      int dot = ref.indexOf('.');
      if (dot < 0) {
        List<String> known = new ArrayList<>(StandardModel.UNIFIED_INDIVIDUAL_FIELDS);
        known.add("source_records");
        if (!known.contains(ref)) {
          throw a.error("unknown attribute '" + ref + "': not a field of the unified individual (" + String.join(", ", known)
              + "); use <insight>.<column> for an insight, or {name, object, function} for a related object");
        }
        return new UnifiedField(ref, ref);
      }
      String insight = ref.substring(0, dot);
      String column = ref.substring(dot + 1);
      InsightDefinition def = insights.computeIfAbsent(insight, name -> {
        Path f = tenantDir.resolve("insights").resolve(name + ".sql");
        if (!Files.isRegularFile(f)) {
          throw a.error("unknown insight '" + name + "' in attribute '" + ref + "' (no " + f + ")");
        }
        return InsightDefinition.load(f);
      });
      if (!def.dimensions().contains("unified_id")) {
        throw a.error("insight '" + insight + "' is not per unified individual (its dimensions are " + def.dimensions() + ")");
      }
      if (!def.measures().contains(column) && !def.dimensions().contains(column)) {
        throw a.error("insight '" + insight + "' has no column '" + column + "' (measures: "
            + String.join(", ", def.measures()) + ")");
      }
      return new InsightField(ref.replace('.', '_'), insight, column);
    }
    a.allowOnly(Set.of("name", "object", "function", "field", "where"));
    String name = a.required("name").asString();
    if (!ID.matcher(name).matches()) {
      throw a.get("name").error("column name '" + name + "' must be lower case letters, digits and _");
    }
    Related related = related(a, dmos);
    String function = a.get("function").asString("count").toLowerCase(Locale.ROOT);
    if (!FUNCTIONS.contains(function)) {
      throw a.get("function").error("unknown function '" + function + "' (allowed: count, sum, min, max, avg)");
    }
    String field = a.get("field").isMissing() ? null : a.get("field").asString();
    if (field == null && !function.equals("count")) {
      throw a.error(function + " needs a field");
    }
    if (field != null && !dmos.get(related.object()).fields().containsKey(field)) {
      throw a.get("field").error("DMO " + related.object() + " has no field '" + field + "' (fields: "
          + String.join(", ", dmos.get(related.object()).fields().keySet()) + ")");
    }
    return new RelatedAggregate(name, related, function, field);
  }

  private static Related related(YamlNode n, Map<String, DmoDefinition> dmos) {
    String object = n.required("object").asString();
    DmoDefinition def = dmos.get(object);
    if (def == null) {
      throw n.get("object").error("unknown object '" + object + "' (DMOs: " + String.join(", ", dmos.keySet()) + ")");
    }
    if (!def.fields().containsKey("PartyId")) {
      throw n.get("object").error("DMO " + object + " has no PartyId field, so its rows cannot be tied to a member");
    }
    return new Related(object, n.get("where").isMissing() ? null : n.get("where").asString(), n.path());
  }

  private static String target(YamlNode node, UnaryOperator<String> env) {
    String raw = node.asString();
    Matcher m = VARIABLE.matcher(raw);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String value = env.apply(m.group(1));
      if (value == null || value.isEmpty()) {
        value = m.group(2);
      }
      if (value == null) {
        throw node.error("environment variable " + m.group(1) + " is not set and has no default (${NAME:-default})");
      }
      m.appendReplacement(sb, Matcher.quoteReplacement(value));
    }
    m.appendTail(sb);
    String target = sb.toString().replaceAll("/+$", "");
    URI uri;
    try {
      uri = new URI(target);
    } catch (URISyntaxException e) {
      throw node.error("not a URI: " + e.getMessage());
    }
    if (uri.getScheme() == null || !SCHEMES.contains(uri.getScheme())) {
      throw node.error("target '" + target + "' must be a URI with scheme file://, hdfs:// or s3a://"
          + (uri.getScheme() == null ? " (a bare path is ambiguous between local disk and the cluster)" : ""));
    }
    if (uri.getScheme().equals("s3a") && (uri.getHost() == null || uri.getHost().isEmpty())) {
      throw node.error("an s3a target names a bucket: s3a://bucket/prefix");
    }
    if (uri.getPath() == null || uri.getPath().isEmpty() || uri.getPath().equals("/")) {
      throw node.error("the target needs a folder, not the root of the file system or bucket");
    }
    return target;
  }

  private static String hash(Path file) {
    try {
      return InputFingerprint.sha256(Files.readString(file)).substring(0, 16);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
