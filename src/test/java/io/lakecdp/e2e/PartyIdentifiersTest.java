package io.lakecdp.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.lakecdp.common.testing.IcebergTables;
import io.lakecdp.common.testing.JobRun;
import io.lakecdp.common.testing.TestConf;
import io.lakecdp.common.testing.TestSpark;
import io.lakecdp.dlowrite.DloWriteCommand;
import io.lakecdp.identity.IdentityResolutionCommand;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Party identifiers as match fields: a loyalty number held in the CRM's own feed and in a separate loyalty feed (a DLO
 * of its own, mapped onto the PartyIdentification DMO with the source object of the party each row names) is
 * compared as the profile field {@code loyalty_number}, on every number a party holds; an identifier of another type
 * with the same value is a different field.
 */
class PartyIdentifiersTest {
  private static final String TENANT = "partyids";

  @Test
  void aLoyaltyNumberFromAnotherFeedLinksProfilesAndOnlyWithinItsType(@TempDir Path dir) {
    TestConf conf = TestConf.create(dir, TENANT).tenantFile("streams.yaml", """
        streams:
          crm: {format: csv, path: crm, primaryKey: [contact_id], fields: {contact_id: string, first_name: string,
              last_name: string, email: string, loyalty: string}}
          web: {format: csv, path: web, primaryKey: [user_id], fields: {user_id: string, given: string,
              family: string, email: string}}
          loyalty: {format: csv, path: loyalty, primaryKey: [member_id], fields: {member_id: string, system: string,
              ref: string, number: string, program: string, updated_at: timestamp}}
        """).tenantFile("mappings.yaml", """
        mappings:
          - {dlo: crm, dmo: Individual, fields: {Id: contact_id, FirstName: first_name, LastName: last_name}}
          - {dlo: crm, dmo: ContactPointEmail, fields: {Id: contact_id, PartyId: contact_id, EmailAddress: email}}
          - {dlo: crm, dmo: PartyIdentification, fields: {Id: contact_id, PartyId: contact_id,
              IdentificationNumber: loyalty}, constants: {PartyIdentificationType: Loyalty Number}}
          - {dlo: web, dmo: Individual, fields: {Id: user_id, FirstName: given, LastName: family}}
          - {dlo: web, dmo: ContactPointEmail, fields: {Id: user_id, PartyId: user_id, EmailAddress: email}}
          - {dlo: loyalty, dmo: PartyIdentification, fields: {Id: member_id, PartyId: ref, DataSourceObjectId: system,
              IdentificationNumber: number, PartyIdentificationType: program, LastModifiedDate: updated_at}}
        """).tenantFile("identity-resolution.yaml", """
        rules:
          - name: same_loyalty_number
            match: [{field: loyalty_number, method: exact, normalizer: none}]
          - name: same_name_and_email
            match:
              - {field: first_name, method: exact_normalized}
              - {field: last_name, method: exact_normalized}
              - {field: email, method: exact_normalized, normalizer: email}
        """);
    conf.landingFile("crm/1.csv", """
        contact_id,first_name,last_name,email,loyalty
        C1,Ann,Lee,ann@a.example,L-100
        C2,Bob,Ray,bob@x.example,
        C3,Cy,Doe,cy@d.example,
        C4,Dee,Fox,dee@f.example,L-999
        """);
    conf.landingFile("web/1.csv", """
        user_id,given,family,email
        W1,Anne,Leigh,other@b.example
        W2,Ann,Lee,ann2@c.example
        W3,Bob,Ray,bob@x.example
        W4,Cyrus,Dee,cyrus@e.example
        W5,Eve,Gray,eve@g.example
        """);
    // W1 holds C1's loyalty number; W2 holds the same value as an employee id (another type); C3 holds two loyalty
    // numbers, the older of which W4 holds; W5 holds a number nobody else has.
    conf.landingFile("loyalty/1.csv", """
        member_id,system,ref,number,program,updated_at
        M1,web,W1,L-100,LoyaltyNumber,2025-01-01 00:00:00
        M2,web,W2,L-100,Employee Id,2025-01-01 00:00:00
        M3,crm,C3,L-300,Loyalty Number,2024-01-01 00:00:00
        M4,crm,C3,L-301,Loyalty Number,2025-06-01 00:00:00
        M5,web,W4,L-300,loyalty-number,2025-01-01 00:00:00
        M6,web,W5,L-500,Loyalty Number,2025-01-01 00:00:00
        """);
    JobRun load = JobRun.of(new DloWriteCommand(), conf.jobArgs());
    assertEquals(0, load.exitCode(), load.err());
    JobRun run = JobRun.of(new IdentityResolutionCommand(), conf.jobArgs());
    assertEquals(0, run.exitCode(), run.err());

    IcebergTables lake = new IcebergTables(TestSpark.warehouse());
    Map<String, String> unified = lake.rows(TENANT + "_unified", "unified_link_individual").stream()
        .collect(Collectors.toMap(r -> (String) r.get("record_id"), r -> (String) r.get("unified_id")));
    assertEquals(9, unified.size(), unified.toString());
    assertEquals(unified.get("crm:C1"), unified.get("web:W1"), "the same loyalty number, from two feeds");
    assertEquals(unified.get("crm:C3"), unified.get("web:W4"), "any of a party's loyalty numbers counts");
    assertEquals(unified.get("crm:C2"), unified.get("web:W3"), "the other rule still holds");
    assertNotEquals(unified.get("crm:C1"), unified.get("web:W2"), "an employee id is not a loyalty number");
    for (String alone : List.of("crm:C4", "web:W2", "web:W5")) {
      assertEquals(1, unified.values().stream().filter(u -> u.equals(unified.get(alone))).count(), alone);
    }
    assertEquals(6, unified.values().stream().distinct().count(), "three pairs and three alone: " + unified);

    Map<String, String> rules = lake.rows(TENANT + "_unified", "match_explanations").stream()
        .collect(Collectors.toMap(r -> r.get("record_id_a") + " " + r.get("record_id_b"), r -> (String) r.get("rule")));
    assertEquals(Map.of("crm:C1 web:W1", "same_loyalty_number", "crm:C3 web:W4", "same_loyalty_number",
        "crm:C2 web:W3", "same_name_and_email"), rules);
  }
}
