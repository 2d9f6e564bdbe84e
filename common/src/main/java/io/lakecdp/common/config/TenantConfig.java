package io.lakecdp.common.config;

import io.lakecdp.common.config.definition.TransformDefinition;
import io.lakecdp.common.model.DmoDefinition;
import io.lakecdp.common.model.DmoField;
import io.lakecdp.common.model.StandardModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything configured for one tenant under {@code conf/tenants/<tenant>/}: data streams
 * ({@code streams.yaml}), custom DMOs ({@code dmos.yaml}, optional) and DLO-to-DMO mappings
 * ({@code mappings.yaml}). Loading validates all of it across files; later stages read their own
 * files from {@link #dir()}.
 */
public record TenantConfig(
    String name,
    Path dir,
    Map<String, DataStream> streams,
    Map<String, DmoDefinition> dmos,
    List<DmoMapping> mappings,
    List<TransformDefinition> transforms) {

  public TenantConfig {
    streams = Collections.unmodifiableMap(new LinkedHashMap<>(streams));
    dmos = Collections.unmodifiableMap(new LinkedHashMap<>(dmos));
    transforms = List.copyOf(transforms);
    mappings = List.copyOf(mappings);
  }

  public static TenantConfig load(Path confDir, String tenant, EnvConfig env) {
    if (!tenant.matches("[a-z][a-z0-9_]*")) {
      throw new ConfigException("--tenant", "", "tenant '" + tenant
          + "' must be lower-case letters, digits and _ (it names Iceberg namespaces)");
    }
    Path dir = confDir.resolve("tenants").resolve(tenant);
    if (!Files.isDirectory(dir)) {
      throw new ConfigException(dir.toString(), "", "tenant folder not found");
    }
    Map<String, DataStream> streams = readStreams(dir.resolve("streams.yaml"), tenant, env);
    Map<String, DmoDefinition> dmos = new LinkedHashMap<>(StandardModel.definitions());
    Path dmoFile = dir.resolve("dmos.yaml");
    if (Files.exists(dmoFile)) {
      readCustomDmos(YamlNode.load(dmoFile), dmos);
    }
    List<TransformDefinition> transforms = TransformDefinition.loadAll(dir.resolve("transforms"));
    Map<String, String> outputs = new LinkedHashMap<>();
    for (TransformDefinition t : transforms) {
      if (streams.containsKey(t.output())) {
        throw new ConfigException(t.file().toString(), "output", "DLO '" + t.output()
            + "' is a data stream's; a transform writes a DLO of its own");
      }
      String other = outputs.put(t.output(), t.name());
      if (other != null) {
        throw new ConfigException(t.file().toString(), "output", "DLO '" + t.output()
            + "' is already the output of transform " + other);
      }
      if (t.streaming() && !streams.containsKey(t.stream())) {
        throw new ConfigException(t.file().toString(), "stream", "unknown stream '" + t.stream() + "' (streams: "
            + String.join(", ", streams.keySet()) + ")");
      }
    }
    Path mappingFile = dir.resolve("mappings.yaml");
    List<DmoMapping> mappings = Files.exists(mappingFile)
        ? readMappings(YamlNode.load(mappingFile), streams, outputs.keySet(), dmos) : List.of();
    return new TenantConfig(tenant, dir, streams, dmos, mappings, transforms);
  }

  private static Map<String, DataStream> readStreams(Path file, String tenant, EnvConfig env) {
    YamlNode root = YamlNode.load(file).requireMap().allowOnly(Set.of("landingRoot", "streams"));
    String landing = root.get("landingRoot").isMissing()
        ? env.landingRoot() + "/" + tenant
        : EnvConfig.resolvePath(Path.of(env.landingRoot()), root.get("landingRoot").asString());
    Map<String, DataStream> out = new LinkedHashMap<>();
    root.required("streams").entries().forEach((name, node) -> out.put(name, DataStream.read(name, node, landing)));
    return out;
  }

  private static void readCustomDmos(YamlNode root, Map<String, DmoDefinition> dmos) {
    root.requireMap().allowOnly(Set.of("dmos"));
    root.required("dmos").entries().forEach((name, node) -> {
      if (!name.matches("[A-Z][A-Za-z0-9_]*")) {
        throw node.error("DMO name '" + name + "' must start with an upper-case letter and use letters, digits and _");
      }
      if (dmos.containsKey(name)) {
        throw node.error("DMO '" + name + "' is already defined by the standard model");
      }
      node.allowOnly(Set.of("category", "primaryKey", "fields", "description"));
      List<DmoField> fields = new ArrayList<>();
      node.required("fields").entries().forEach((fname, fnode) ->
          fields.add(new DmoField(fname, FieldType.parse(fnode))));
      List<String> pk = node.required("primaryKey").asStringList();
      for (String key : pk) {
        if (fields.stream().noneMatch(f -> f.name().equals(key))) {
          throw node.get("primaryKey").error("primary key field '" + key + "' is not a field of DMO " + name);
        }
      }
      String category = node.get("category").asString("other");
      dmos.put(name, DmoDefinition.of(name, category, pk, fields));
    });
  }

  /**
   * @param transformOutputs DLOs written by transforms: their columns are known only once the query is analysed,
   *     so the transform job checks the fields mapped from them
   */
  private static List<DmoMapping> readMappings(YamlNode root, Map<String, DataStream> streams,
      Set<String> transformOutputs, Map<String, DmoDefinition> dmos) {
    root.requireMap().allowOnly(Set.of("mappings"));
    return root.required("mappings").mapItems(node -> {
      node.allowOnly(Set.of("dlo", "dmo", "fields", "constants"));
      String dlo = node.required("dlo").asString();
      DataStream stream = streams.get(dlo);
      if (stream == null && !transformOutputs.contains(dlo)) {
        throw node.get("dlo").error("unknown DLO '" + dlo + "' (streams: " + String.join(", ", streams.keySet())
            + (transformOutputs.isEmpty() ? "" : "; transform outputs: " + String.join(", ", transformOutputs)) + ")");
      }
      String dmoName = node.required("dmo").asString();
      DmoDefinition dmo = dmos.get(dmoName);
      if (dmo == null) {
        throw node.get("dmo").error("unknown DMO '" + dmoName + "' (known: " + String.join(", ", dmos.keySet()) + ")");
      }
      Map<String, String> fields = new LinkedHashMap<>();
      node.required("fields").entries().forEach((dmoField, value) -> {
        if (!dmo.fields().containsKey(dmoField)) {
          throw value.error("unknown field '" + dmoField + "' of DMO " + dmoName
              + " (fields: " + String.join(", ", dmo.fields().keySet()) + ")");
        }
        String dloField = value.asString();
        if (stream != null && !stream.fields().containsKey(dloField)) {
          throw value.error("unknown DLO field '" + dloField + "' in stream " + dlo
              + " (fields: " + String.join(", ", stream.fields().keySet()) + ")");
        }
        fields.put(dmoField, dloField);
      });
      Map<String, String> constants = node.get("constants").asStringMap();
      for (String dmoField : constants.keySet()) {
        if (!dmo.fields().containsKey(dmoField)) {
          throw node.get("constants").get(dmoField).error("unknown field '" + dmoField + "' of DMO " + dmoName);
        }
        if (fields.containsKey(dmoField)) {
          throw node.get("constants").get(dmoField).error("field '" + dmoField + "' is mapped and set to a constant");
        }
      }
      for (String key : dmo.primaryKey()) {
        if (!fields.containsKey(key) && !constants.containsKey(key)) {
          throw node.get("fields").error("the mapping must fill primary key field '" + key + "' of DMO " + dmoName);
        }
      }
      return new DmoMapping(dlo, dmoName, fields, constants);
    });
  }

  public DataStream stream(String name) {
    DataStream s = streams.get(name);
    if (s == null) {
      throw new ConfigException(dir.resolve("streams.yaml").toString(), "streams",
          "unknown stream '" + name + "' (streams: " + String.join(", ", streams.keySet()) + ")");
    }
    return s;
  }
}
