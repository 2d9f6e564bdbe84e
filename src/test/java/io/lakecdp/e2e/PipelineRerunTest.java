package io.lakecdp.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakecdp.common.testing.IcebergTables;
import io.lakecdp.testsupport.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing new, nothing done, through {@code lakecdp-submit pipeline} (every stage its own JVM): a second pipeline
 * over unchanged landing files skips every stage and commits nothing but its job_runs rows; one new landing file with
 * one changed CRM contact makes every stage run, and the result equals a full run over the same files in a fresh
 * warehouse on the PostgreSQL JDBC catalog (started right after the first run, beside the reruns, since the two
 * warehouses share nothing). Then, on that warehouse, {@code privacy export} and {@code privacy forget} of one person
 * ({@link PrivacyChecks}). The first run also checks the stage order and outputs, and a broken activation at the end
 * stops a pipeline at its stage with the message saying where to resume.
 */
class PipelineRerunTest {
  static final String TENANT = "rerun";
  static final List<String> STAGES = List.of("ingest", "transform", "identity-resolution", "calculated-insights",
      "segmentation", "activation");

  @Test
  void unchangedInputsSkipEveryStageAndOneChangedContactRunsThemAll(@TempDir Path dir) throws Exception {
    try (PostgresServer postgres = PostgresServer.start(DemoTenant.REPO)) {
      run(dir, postgres);
    }
  }

  private static void run(Path dir, PostgresServer postgres) throws Exception {
    DemoTenant.Installed tenant = DemoTenant.generate(dir, TENANT, 3, 300);
    Path conf = tenant.conf();
    Path warehouse = tenant.warehouse();
    Path landing = tenant.landing();
    DemoTenant.exportTo(conf, TENANT, dir.resolve("exports"));
    Submit.Result first = pipeline(conf, "r1");
    for (String stage : STAGES) {
      assertTrue(first.err().contains("[pipeline] " + stage + ": ran (succeeded)"), stage + ":\n" + first.err());
    }
    firstRunInOrderWithItsOutputs(first, conf, warehouse, dir.resolve("exports"));

    // The landing file that the third pipeline adds: a CRM contact with a new e-mail address, modified after every
    // other record.
    Path crm = landing.resolve("crm/contacts");
    Path original;
    try (var files = Files.list(crm)) {
      original = files.filter(f -> f.toString().endsWith(".csv")).sorted().findFirst().orElseThrow();
    }
    List<String> lines = Files.readAllLines(original);
    List<String> header = List.of(lines.get(0).split(","));
    String row = lines.stream().skip(1).filter(l -> !l.contains("\"") && l.endsWith(",false")).findFirst().orElseThrow();
    String[] fields = row.split(",", -1);
    fields[header.indexOf("email")] = "changed.address@example.net";
    fields[header.indexOf("updated_at")] = "2025-11-30 12:00:00";
    String changedFile = lines.get(0) + "\n" + String.join(",", fields) + "\n";

    // A full run over the final files (a copy of the landing folder with that file) in a fresh warehouse, with the
    // learned weights of the first run (the question here is what the pipeline reruns, not how training varies with
    // one record). It touches nothing of the first warehouse, so it runs beside the reruns below. Its catalog is
    // the JDBC catalog on a real PostgreSQL (conf/jdbc.yaml as shipped): the same result whatever the catalog.
    Path landingFull = dir.resolve("landing-full");
    DemoTenant.copyTree(landing, landingFull);
    Files.writeString(landingFull.resolve("crm/contacts/contacts_9999.csv"), changedFile);
    Path conf2 = dir.resolve("conf-full");
    Path warehouse2 = dir.resolve("warehouse-full");
    DemoTenant.install(conf2, TENANT, warehouse2, landingFull);
    DemoTenant.exportTo(conf2, TENANT, dir.resolve("exports-full"));
    DemoTenant.writeJdbcEnv(conf2, "local", postgres.port(), warehouse2);
    Path model = Path.of("_models", TENANT, "identity-model.json");
    Files.createDirectories(warehouse2.resolve(model).getParent());
    Files.copy(warehouse.resolve(model), warehouse2.resolve(model));
    CompletableFuture<Submit.Result> fullRun = CompletableFuture.supplyAsync(() -> pipeline(conf2, "full"));

    Map<String, Integer> before = snapshots(warehouse);
    long start = System.nanoTime();
    Submit.Result second = pipeline(conf, "r2");
    long seconds = (System.nanoTime() - start) / 1_000_000_000L;
    for (String stage : STAGES) {
      assertTrue(second.err().contains("[pipeline] " + stage + ": skipped ("), stage + ":\n" + second.err());
    }
    Map<String, Integer> after = snapshots(warehouse);
    String jobRuns = TENANT + "_ops.job_runs";
    assertEquals(before.get(jobRuns) + STAGES.size(), after.get(jobRuns), "one job_runs row per stage");
    before.remove(jobRuns);
    after.remove(jobRuns);
    assertEquals(before, after, "no table but job_runs has a new snapshot after a pipeline over unchanged inputs");
    System.out.println("[PipelineRerunTest] pipeline over unchanged inputs: " + seconds + " s");

    // Table maintenance rewrites files (compaction, manifests: `replace` snapshots), never rows: still nothing to do.
    Submit.Result maintain = Submit.run("maintain", "--tenant", TENANT, "--conf", conf.toString(), "--master", "local[2]");
    assertEquals(0, maintain.exitCode(), maintain.err());
    Submit.Result afterMaintenance = pipeline(conf, "r2m");
    for (String stage : STAGES) {
      assertTrue(afterMaintenance.err().contains("[pipeline] " + stage + ": skipped ("),
          "after maintenance, " + stage + ":\n" + afterMaintenance.err());
    }

    // The new landing file: every stage runs.
    Files.writeString(crm.resolve("contacts_9999.csv"), changedFile);
    Submit.Result third = pipeline(conf, "r3");
    for (String stage : STAGES) {
      // the demo's transform reads only orders, which did not change
      String expected = stage.equals("transform") ? ": skipped (" : ": ran (succeeded)";
      assertTrue(third.err().contains("[pipeline] " + stage + expected), stage + ":\n" + third.err());
    }
    IcebergTables lake = new IcebergTables(warehouse);
    assertTrue(lake.rows(TENANT + "_dlo", "crm_contacts").stream()
        .anyMatch(r -> "changed.address@example.net".equals(r.get("email"))), "the changed contact is loaded");

    fullRun.join();
    IcebergTables full = IcebergTables.jdbc("lake", postgres.jdbcUrl(), warehouse2);
    assertFalse(Files.exists(warehouse2.resolve(TENANT + "_unified/unified_link_individual/metadata/version-hint.text")),
        "the full run's tables are in the JDBC catalog, not a Hadoop one");
    Map<String, String> clusters = clusters(lake);
    Map<String, String> fullClusters = clusters(full);
    assertEquals(new TreeSet<>(clusters.values()), new TreeSet<>(fullClusters.values()), "the same unified profiles");
    assertEquals(rowsByCluster(full, TENANT + "_seg", "membership_latest", "member_id", fullClusters),
        rowsByCluster(lake, TENANT + "_seg", "membership_latest", "member_id", clusters), "the same segment members");
    for (String insight : List.of("customer_value", "email_engagement")) {
      assertEquals(rowsByCluster(full, TENANT + "_cio", insight, "unified_id", fullClusters),
          rowsByCluster(lake, TENANT + "_cio", insight, "unified_id", clusters), "insight " + insight);
    }

    // A broken activation stops the pipeline at that stage with its exit code and a message saying where to resume
    // (on the first warehouse, beside the privacy requests on the second).
    Path bad = conf.resolve("tenants/" + TENANT + "/activations/loyal_buyers_email.yaml");
    Files.writeString(bad, Files.readString(bad).replace("file:", "ftp:"));
    CompletableFuture<Submit.Result> failedRun = CompletableFuture.supplyAsync(() -> Submit.run("pipeline",
        "--tenant", TENANT, "--conf", conf.toString(), "--run-id", "r4", "--from", "segmentation", "--as-of",
        "2025-12-01", "--master", "local[2]"));

    PrivacyChecks.exportAndForgetOnePerson(conf2, full, warehouse2, TENANT, dir.resolve("person.json"));

    Submit.Result failed = failedRun.join();
    assertEquals(2, failed.exitCode(), failed.err());
    assertTrue(failed.err().contains("[pipeline] ingest: skipped (--from segmentation)"), failed.err());
    assertTrue(failed.err().contains("[pipeline] activation FAILED (exit 2") && failed.err().contains("--from activation"),
        failed.err());
    assertTrue(failed.err().contains("loyal_buyers_email.yaml"), "the job's own message names the file: " + failed.err());
  }

  /**
   * The first pipeline: every stage started in order, each its own spark-submit, with its outputs; identity
   * resolution again in a new JVM on unchanged input is skipped (content fingerprints), and explain-pair in a third.
   */
  private static void firstRunInOrderWithItsOutputs(Submit.Result first, Path conf, Path warehouse, Path exports)
      throws Exception {
    String log = first.err();
    int last = -1;
    for (String stage : STAGES) {
      int at = log.indexOf("[pipeline] " + stage + ": starting");
      assertTrue(at > last, stage + " starts after the stage before it:\n" + log);
      last = at;
    }
    assertTrue(log.contains("[pipeline] ingest-stream: skipped (no Kafka streams)"), log);
    assertTrue(log.contains("[pipeline] tenant " + TENANT + " done"), log);
    assertTrue(new IcebergTables(warehouse).rows(TENANT + "_act", "activation_runs").size() >= 2);
    try (var files = Files.walk(exports)) {
      assertTrue(files.anyMatch(f -> f.toString().contains("r1-activation") && f.endsWith("_manifest.json")),
          "an activation manifest under " + exports);
    }
    Submit.Result again = Submit.run("identity-resolution", "--tenant", TENANT, "--conf", conf.toString(),
        "--master", "local[2]");
    assertEquals(0, again.exitCode(), again.err());
    String summary = again.out().lines().filter(l -> l.contains("\"lakecdp_summary\"")).reduce((a, b) -> b).orElseThrow();
    assertTrue(summary.contains("\"skipped\":\"inputs unchanged since the last successful run\""), summary);
    assertTrue(Files.isRegularFile(warehouse.resolve("_models/" + TENANT + "/identity-model.json")), "the model is saved");
    Submit.Result explained = Submit.run("identity-resolution", "explain-pair", "--tenant", TENANT, "--conf",
        conf.toString(), "--master", "local[2]", "crm_contacts:C0000001", "web_signups:W0000001");
    assertEquals(0, explained.exitCode(), explained.err());
    assertTrue(explained.out().contains("match weight") && explained.out().contains("first_name"), explained.out());
    assertTrue(explained.out().contains("MATCH ("), "the same person: " + explained.out());
  }

  private static Submit.Result pipeline(Path conf, String runId) {
    Submit.Result r = Submit.run("pipeline", "--tenant", TENANT, "--conf", conf.toString(), "--run-id", runId,
        "--as-of", "2025-12-01", "--master", "local[2]");
    assertEquals(0, r.exitCode(), r.err());
    return r;
  }

  /** Snapshot count of every table in the warehouse, by namespace.table. */
  private static Map<String, Integer> snapshots(Path warehouse) throws Exception {
    Map<String, Integer> out = new TreeMap<>();
    try (HadoopCatalog catalog = new HadoopCatalog(new Configuration(), warehouse.toString())) {
      for (Namespace ns : catalog.listNamespaces()) {
        for (TableIdentifier id : catalog.listTables(ns)) {
          int n = 0;
          for (var ignored : catalog.loadTable(id).snapshots()) {
            n++;
          }
          out.put(id.toString(), n);
        }
      }
    }
    assertFalse(out.isEmpty());
    return out;
  }

  /** Unified id to its cluster: the sorted source record ids, which do not depend on how ids were assigned. */
  private static Map<String, String> clusters(IcebergTables lake) {
    Map<String, Set<String>> members = new TreeMap<>();
    for (Map<String, Object> r : lake.rows(TENANT + "_unified", "unified_link_individual")) {
      members.computeIfAbsent(String.valueOf(r.get("unified_id")), k -> new TreeSet<>())
          .add(String.valueOf(r.get("record_id")));
    }
    Map<String, String> out = new TreeMap<>();
    members.forEach((id, records) -> out.put(id, String.join("+", records)));
    return out;
  }

  /** A table's rows as text, its unified id column replaced by the cluster, minus run-specific columns. */
  private static Set<String> rowsByCluster(IcebergTables lake, String ns, String table, String idColumn,
      Map<String, String> clusters) {
    Set<String> out = new TreeSet<>();
    for (Map<String, Object> r : lake.rows(ns, table)) {
      Map<String, Object> m = new TreeMap<>(r);
      m.put(idColumn, clusters.getOrDefault(String.valueOf(r.get(idColumn)), "?" + r.get(idColumn)));
      m.replaceAll((k, v) -> v instanceof Double d ? String.format(java.util.Locale.ROOT, "%.6f", d) : v); // sum order
      m.remove("publish_id");
      m.remove("published_at");
      out.add(m.toString());
    }
    List<String> unknown = new ArrayList<>(out.stream().filter(s -> s.contains("=?")).toList());
    assertTrue(unknown.isEmpty(), "rows of " + table + " whose id is no unified profile: " + unknown);
    return out;
  }
}
