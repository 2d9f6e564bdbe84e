package io.lakecdp.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakecdp.common.model.StandardModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TenantConfigTest {
  private static final String STREAMS = """
      streams:
        contacts: {format: csv, path: crm, primaryKey: [id], lastModified: updated, fields: {id: string,
            first: string, amount: "decimal(10,2)", born: {type: date, format: MM/dd/yyyy}, updated: timestamp}}
      """;
  private static final String MAPPINGS = """
      mappings:
        - dlo: contacts
          dmo: Individual
          fields: {Id: id, FirstName: first}
          constants: {DataSourceId: crm}
      """;

  @TempDir
  Path dir;
  Path conf;
  EnvConfig env;

  @BeforeEach
  void setUp() throws IOException {
    conf = dir.resolve("conf");
    Files.createDirectories(conf.resolve("tenants/acme"));
    Files.writeString(conf.resolve("local.yaml"), "catalog:\n  warehouse: wh\nlandingRoot: land\n");
    env = EnvConfig.load(conf, "local");
  }

  private TenantConfig load(String streams, String mappings) throws IOException {
    Files.writeString(conf.resolve("tenants/acme/streams.yaml"), streams);
    Files.writeString(conf.resolve("tenants/acme/mappings.yaml"), mappings);
    return TenantConfig.load(conf, "acme", env);
  }

  private ConfigException invalid(String streams, String mappings) {
    return assertThrows(ConfigException.class, () -> load(streams, mappings));
  }

  @Test
  void readsTypedStreamsAndMappings() throws IOException {
    TenantConfig t = load(STREAMS, MAPPINGS);
    DataStream s = t.stream("contacts");
    assertEquals(SourceFormat.CSV, s.format());
    assertEquals(RefreshMode.UPSERT, s.refresh());
    assertEquals(List.of("id"), s.primaryKey());
    assertEquals(new DecimalType(10, 2), s.fields().get("amount").type());
    assertEquals(DataTypes.DateType, s.fields().get("born").type());
    assertEquals("MM/dd/yyyy", s.fields().get("born").format());
    assertEquals(dir.resolve("land/acme/crm").toString(), s.path());
    assertEquals(1, t.mappings().size());
    assertEquals("first", t.mappings().get(0).fields().get("FirstName"));
    assertTrue(t.dmos().containsKey(StandardModel.SALES_ORDER_PRODUCT));
  }

  @Test
  void environmentResolvesRelativePathsAgainstProjectRoot() {
    assertEquals(dir.resolve("wh").toString(), env.warehouse());
    assertEquals("lake", env.catalogName());
    assertEquals("hadoop", env.catalogSparkSettings().get("spark.sql.catalog.lake.type"));
  }

  @Test
  void aTenantCatalogOfItsOwnReplacesTheEnvironments() throws IOException {
    assertEquals(env, env.forTenant(conf, "acme"), "no tenant.yaml: the environment as it is");
    Files.writeString(conf.resolve("tenants/acme/tenant.yaml"),
        "catalog:\n  warehouse: s3a://eu-bucket/wh\n  properties: {client.region: eu-west-1}\n");
    EnvConfig own = env.forTenant(conf, "acme");
    assertEquals("s3a://eu-bucket/wh", own.warehouse());
    assertEquals("s3a://eu-bucket/wh/_checkpoints", own.checkpointRoot());
    assertEquals("eu-west-1", own.catalogSparkSettings().get("spark.sql.catalog.lake.client.region"));
    assertEquals(env.landingRoot(), own.landingRoot());
    Files.writeString(conf.resolve("tenants/acme/tenant.yaml"), "catalog:\n  type: rest\n  warehouse: w\n");
    ConfigException e = assertThrows(ConfigException.class, () -> env.forTenant(conf, "acme"));
    assertTrue(e.file().endsWith("tenants/acme/tenant.yaml") && e.getMessage().contains("needs a uri"), e.getMessage());
    Files.writeString(conf.resolve("tenants/acme/tenant.yaml"), "catalogue:\n  warehouse: w\n");
    e = assertThrows(ConfigException.class, () -> env.forTenant(conf, "acme"));
    assertTrue(e.getMessage().contains("catalogue"), e.getMessage());
  }

  @Test
  void yamlSyntaxErrorNamesFileAndLine() {
    ConfigException e = invalid("streams:\n  contacts:\n    format: csv\n   path: [x\n", MAPPINGS);
    assertTrue(e.file().endsWith("tenants/acme/streams.yaml"), e.file());
    assertTrue(e.field().startsWith("line 4"), e.getMessage());
    assertTrue(e.problem().startsWith("YAML syntax error"), e.getMessage());
  }

  @Test
  void unknownDloFieldInMapping() {
    ConfigException e = invalid(STREAMS, MAPPINGS.replace("FirstName: first", "FirstName: frist"));
    assertTrue(e.file().endsWith("mappings.yaml"));
    assertEquals("mappings[0].fields.FirstName", e.field());
    assertEquals("unknown DLO field 'frist' in stream contacts (fields: id, first, amount, born, updated)", e.problem());
  }

  @Test
  void unknownDmo() {
    ConfigException e = invalid(STREAMS, MAPPINGS.replace("dmo: Individual", "dmo: Indiviual"));
    assertEquals("mappings[0].dmo", e.field());
    assertTrue(e.problem().startsWith("unknown DMO 'Indiviual' (known: Individual, "), e.problem());
  }

  @Test
  void upsertStreamWithoutPrimaryKey() {
    ConfigException e = invalid(STREAMS.replace("primaryKey: [id], ", ""), MAPPINGS);
    assertEquals("streams.contacts.primaryKey", e.field());
    assertEquals("required field is missing: an upsert stream needs a primaryKey", e.problem());
  }

  @Test
  void badTypeName() {
    ConfigException e = invalid(STREAMS.replace("first: string", "first: strng"), MAPPINGS);
    assertEquals("streams.contacts.fields.first", e.field());
    assertTrue(e.problem().startsWith("unknown type 'strng' (expected one of: string, int"), e.problem());
    assertEquals("Invalid configuration in " + e.file() + " at streams.contacts.fields.first: " + e.problem(), e.getMessage());
  }

  @Test
  void misspelledStreamKeyIsRejected() {
    ConfigException e = invalid(STREAMS.replace("lastModified:", "lastModifed:"), MAPPINGS);
    assertEquals("streams.contacts.lastModifed", e.field());
    assertTrue(e.problem().startsWith("unknown field 'lastModifed'"), e.problem());
  }

  @Test
  void primaryKeyMustBeDeclared() {
    ConfigException e = invalid(STREAMS.replace("primaryKey: [id]", "primaryKey: [key]"), MAPPINGS);
    assertTrue(e.problem().startsWith("primary key field 'key' is not a declared field"), e.problem());
  }

  @Test
  void mappingMustFillDmoPrimaryKey() {
    ConfigException e = invalid(STREAMS, MAPPINGS.replace("Id: id, ", ""));
    assertEquals("mappings[0].fields", e.field());
    assertEquals("the mapping must fill primary key field 'Id' of DMO Individual", e.problem());
  }

  @Test
  void badDatePatternIsAConfigError() {
    ConfigException e = invalid(STREAMS.replace("MM/dd/yyyy", "MM/dd/yyyyqqqqqq"), MAPPINGS);
    assertEquals("streams.contacts.fields.born.format", e.field());
  }

  @Test
  void customDmoCanBeMapped() throws IOException {
    Files.writeString(conf.resolve("tenants/acme/dmos.yaml"),
        "dmos:\n  Loyalty:\n    primaryKey: [Id]\n    fields: {Id: string, Tier: string}\n");
    TenantConfig t = load(STREAMS, MAPPINGS + "  - dlo: contacts\n    dmo: Loyalty\n    fields: {Id: id, Tier: first}\n");
    assertEquals(List.of("Id", "Tier", "DataSourceId", "DataSourceObjectId"),
        List.copyOf(t.dmos().get("Loyalty").fields().keySet()));
  }

  @Test
  void environmentVariablesAndDefaultsAreSubstituted() {
    System.setProperty("LAKECDP_TEST_BUCKET", "bkt");
    assertEquals("s3a://bkt/wh", YamlNode.substituteEnv("s3a://${LAKECDP_TEST_BUCKET}/wh"));
    assertEquals("fallback", YamlNode.substituteEnv("${LAKECDP_SURELY_UNSET_VAR:-fallback}"));
  }

  @Test
  void missingTenantFolder() {
    ConfigException e = assertThrows(ConfigException.class, () -> TenantConfig.load(conf, "nobody", env));
    assertEquals("tenant folder not found", e.problem());
  }
}
