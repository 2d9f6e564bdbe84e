package io.lakecdp.common.lake;

/**
 * The lake contract of one tenant in one catalog: every table a job writes or reads, named once here.
 * Namespaces keep tenants apart: {@code <tenant>_dlo}, {@code <tenant>_unified}, {@code <tenant>_cio},
 * {@code <tenant>_seg}, {@code <tenant>_act} and {@code <tenant>_ops}.
 */
public record TenantTables(String catalog, String tenant) {
  /** Rejected source records with their reason (written by ingest). */
  public static final String QUARANTINE = "quarantine";
  /** One row per job run (every job). */
  public static final String JOB_RUNS = "job_runs";
  /** Unified profiles (identity resolution). */
  public static final String UNIFIED_INDIVIDUAL = "unified_individual";
  /** Source record to unified id (identity resolution). */
  public static final String UNIFIED_LINK_INDIVIDUAL = "unified_link_individual";
  public static final String UNIFIED_CONTACT_POINT_EMAIL = "unified_contact_point_email";
  public static final String UNIFIED_CONTACT_POINT_PHONE = "unified_contact_point_phone";
  public static final String UNIFIED_CONTACT_POINT_ADDRESS = "unified_contact_point_address";
  /** Matched pairs with their per-field levels and weights (identity resolution). */
  public static final String MATCH_EXPLANATIONS = "match_explanations";
  /** Content signatures of the candidate units the last identity resolution searched (its incremental state). */
  public static final String RESOLUTION_UNITS = "resolution_units";
  /** Current members per segment (segmentation). */
  public static final String MEMBERSHIP_LATEST = "membership_latest";
  /** Added and removed members per publish (segmentation). */
  public static final String MEMBERSHIP_HISTORY = "membership_history";
  /** One row per segment and publish (segmentation). */
  public static final String SEGMENT_RUNS = "segment_runs";
  /** One row per activation delivery (activation). */
  public static final String ACTIVATION_RUNS = "activation_runs";
  /**
   * The ingest ledger folded out of snapshot summaries (landing files, batch ids, streaming batch ids) before table
   * maintenance expires the snapshots that carried them, so exactly-once survives expiry.
   */
  public static final String INGEST_LEDGER = "ingest_ledger";

  /** The layers, each a namespace {@code <tenant>_<layer>}. */
  public static final java.util.List<String> LAYERS = java.util.List.of("dlo", "unified", "cio", "seg", "act", "ops");

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

  public String ingestLedger() {
    return namespace("ops") + "." + INGEST_LEDGER;
  }

  public String unified(String table) {
    return namespace("unified") + "." + table;
  }

  public String unifiedIndividual() {
    return unified(UNIFIED_INDIVIDUAL);
  }

  public String unifiedLink() {
    return unified(UNIFIED_LINK_INDIVIDUAL);
  }

  public String matchExplanations() {
    return unified(MATCH_EXPLANATIONS);
  }

  public String cio(String table) {
    return namespace("cio") + "." + table;
  }

  public String seg(String table) {
    return namespace("seg") + "." + table;
  }

  public String membershipLatest() {
    return seg(MEMBERSHIP_LATEST);
  }

  public String membershipHistory() {
    return seg(MEMBERSHIP_HISTORY);
  }

  public String segmentRuns() {
    return seg(SEGMENT_RUNS);
  }

  public String act(String table) {
    return namespace("act") + "." + table;
  }

  public String activationRuns() {
    return act(ACTIVATION_RUNS);
  }
}
