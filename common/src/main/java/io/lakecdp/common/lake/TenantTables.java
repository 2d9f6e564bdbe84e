package io.lakecdp.common.lake;

/**
 * Table names of one tenant in one catalog. Namespaces keep tenants apart:
 * {@code <tenant>_dlo}, {@code <tenant>_unified}, {@code <tenant>_cio}, {@code <tenant>_seg},
 * {@code <tenant>_act} and {@code <tenant>_ops}.
 */
public record TenantTables(String catalog, String tenant) {
  public static final String QUARANTINE = "quarantine";
  public static final String JOB_RUNS = "job_runs";

  public String namespace(String layer) {
    return catalog + "." + tenant + "_" + layer;
  }

  public String dloNamespace() {
    return namespace("dlo");
  }

  public String dlo(String stream) {
    return dloNamespace() + "." + stream;
  }

  public String quarantine() {
    return dloNamespace() + "." + QUARANTINE;
  }

  public String jobRuns() {
    return namespace("ops") + "." + JOB_RUNS;
  }

  public String unified(String table) {
    return namespace("unified") + "." + table;
  }

  public String cio(String table) {
    return namespace("cio") + "." + table;
  }

  public String seg(String table) {
    return namespace("seg") + "." + table;
  }

  public String act(String table) {
    return namespace("act") + "." + table;
  }
}
