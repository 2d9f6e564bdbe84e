package io.lakecdp.common.job;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every job by name, in pipeline order. Launchers ({@code scripts/lakecdp-submit}, Airflow, EMR
 * steps) read it, so they cannot drift from the code. Deliberately free of dependencies: the
 * launcher script runs it with only the common jar on the class path.
 */
public final class JobRegistry {
  private static final Map<String, JobSpec> JOBS = new LinkedHashMap<>();

  static {
    add(new JobSpec("demo-data", "jobs/demo-data", "io.lakecdp.demo.DemoDataMain", false,
        "Generate the demo tenant's landing files (deterministic, with realistic variation)"));
    add(new JobSpec("dlo-write", "jobs/dlo-write", "io.lakecdp.dlowrite.DloWriteCommand", true,
        "Batch ingest: landing files of each data stream into Iceberg DLO tables"));
    add(new JobSpec("ingest-stream", "jobs/ingest-stream", "io.lakecdp.ingeststream.IngestStreamCommand", true,
        "Streaming ingest: landing folders and Kafka topics into DLO tables, on demand (AvailableNow) or continuously"));
    add(new JobSpec("transform", "jobs/dlo-write", "io.lakecdp.dlowrite.TransformCommand", true,
        "Data transforms: Spark SQL over a tenant's DLOs and DMOs, materialized as DLOs that mappings can use"));
    add(new JobSpec("identity-resolution", "jobs/identity-resolution", "io.lakecdp.identity.IdentityResolutionMain", true,
        "Unified profiles from source Individuals (learned weights and rules, ranked candidates, stable ids); 'evaluate' measures rules"));
    add(new JobSpec("calculated-insights", "jobs/calculated-insights", "io.lakecdp.insights.InsightsCommand", true,
        "Calculated insights: Spark SQL over DMOs and unified tables, materialized as <tenant>_cio tables"));
    add(new JobSpec("segmentation", "jobs/segmentation", "io.lakecdp.segmentation.SegmentationCommand", true,
        "Segments: 'publish' membership (latest, history, runs); 'explain' a segment's conditions and counts"));
    add(new JobSpec("activation", "jobs/activation", "io.lakecdp.activation.ActivationCommand", true,
        "Activation: segment members with attributes and contact points, exported and delivered with DistCp"));
    add(new JobSpec("inspect", "jobs/inspect", "io.lakecdp.inspect.InspectCommand", true,
        "Print a tenant's tables, row counts, quarantine and DMO counts"));
    add(new JobSpec("report", "jobs/inspect", "io.lakecdp.inspect.ReportCommand", true,
        "Write a self-contained HTML run report: stage runs, identity consolidation, segment populations, deliveries"));
    add(new JobSpec("query", "jobs/inspect", "io.lakecdp.inspect.QueryCommand", true,
        "Read-only SQL over a tenant's model (DMOs, unified objects, insights, memberships), 1,000 rows by default"));
    add(new JobSpec("catalog", "jobs/inspect", "io.lakecdp.inspect.CatalogCommand", true,
        "Catalogs: 'migrate' registers a tenant's tables of one environment's catalog in another's (e.g. local to jdbc)"));
    add(new JobSpec("maintain", "jobs/maintain", "io.lakecdp.maintain.MaintainCommand", true,
        "Table maintenance: compaction, snapshot expiry, orphan files, manifests; the ingest ledger is kept first"));
    add(new JobSpec("privacy", "jobs/maintain", "io.lakecdp.maintain.PrivacyCommand", true,
        "A person's data: 'forget' deletes it everywhere and physically, 'export' writes it as one JSON document"));
    add(new JobSpec("bench-dlo-write", "src/test/bench", "io.lakecdp.dlowrite.bench.DloWriteBenchmark", true,
        "Benchmark of batch ingest against plain Spark baselines (not part of the pipeline)"));
    add(new JobSpec("bench-identity", "src/test/bench", "io.lakecdp.identity.IdentityBenchmark", true,
        "Benchmark of identity resolution against an exact-match baseline (not part of the pipeline)"));
    add(new JobSpec("bench-segmentation", "src/test/bench", "io.lakecdp.segmentation.SegmentationBenchmark", true,
        "Benchmark of segment publishing against hand-written Spark SQL (not part of the pipeline)"));
    add(new JobSpec("bench-ingest-stream", "src/test/bench", "io.lakecdp.ingeststream.StreamingBenchmark", true,
        "Benchmark of streaming ingest against a plain batch read + append, and Kafka throughput and latency"));
    add(new JobSpec("bench-activation", "src/test/bench", "io.lakecdp.activation.ActivationBenchmark", true,
        "Benchmark of activation against a plain join + write, and DistCp against a plain copy (not part of the pipeline)"));
  }

  /**
   * A stage of the pipeline: the job it runs, fixed arguments, and when it applies ({@code null}: always;
   * {@code kafka}: the tenant has Kafka streams; {@code activations}: the tenant has activations; {@code transforms}: the tenant has
   * data transforms; {@code maintain}:
   * table maintenance was asked for, {@code pipeline --maintain} or the DAG's tenant option).
   */
  public record Stage(String name, String job, java.util.List<String> args, String when) {}

  /** The pipeline in dependency order; the launcher, the Airflow DAG and the EMR steps all read it. */
  public static final java.util.List<Stage> PIPELINE = java.util.List.of(
      new Stage("ingest", "dlo-write", java.util.List.of(), null),
      new Stage("ingest-stream", "ingest-stream", java.util.List.of("--trigger", "available-now"), "kafka"),
      new Stage("transform", "transform", java.util.List.of(), "transforms"),
      new Stage("identity-resolution", "identity-resolution", java.util.List.of(), null),
      new Stage("calculated-insights", "calculated-insights", java.util.List.of(), null),
      new Stage("segmentation", "segmentation", java.util.List.of("publish"), null),
      new Stage("activation", "activation", java.util.List.of(), "activations"),
      new Stage("maintain", "maintain", java.util.List.of(), "maintain"));

  private JobRegistry() {}

  private static void add(JobSpec spec) {
    JOBS.put(spec.name(), spec);
  }

  public static Map<String, JobSpec> all() {
    return java.util.Collections.unmodifiableMap(JOBS);
  }

  /** The job of that name; an unknown name is an error that lists the valid ones. */
  public static JobSpec get(String name) {
    JobSpec spec = JOBS.get(name);
    if (spec == null) {
      throw new IllegalArgumentException("Unknown job '" + name + "'. Valid jobs: " + String.join(", ", JOBS.keySet()));
    }
    return spec;
  }

  /**
   * {@code list}: names and descriptions; {@code resolve NAME}: "spark|java jar mainClass" for the
   * launcher; {@code json}: every job's launch facts as JSON.
   */
  public static void main(String[] args) {
    String command = args.length == 0 ? "list" : args[0];
    switch (command) {
      case "list" -> JOBS.values().forEach(j -> System.out.printf("%-20s %s%n", j.name(), j.description()));
      case "resolve" -> {
        if (args.length < 2) {
          System.err.println("usage: JobRegistry resolve NAME");
          System.exit(ExitCodes.INVALID_INPUT);
        }
        try {
          JobSpec j = get(args[1]);
          System.out.println((j.spark() ? "spark" : "java") + " " + j.jarPath() + " " + j.mainClass());
        } catch (IllegalArgumentException e) {
          System.err.println(e.getMessage());
          System.exit(ExitCodes.INVALID_INPUT);
        }
      }
      case "json" -> System.out.println(toJson());
      case "pipeline" -> System.out.println(pipelineJson());
      case "pipeline-stages" -> PIPELINE.forEach(st -> System.out.println(st.name() + " " + st.job() + " "
          + (st.when() == null ? "always" : st.when()) + (st.args().isEmpty() ? "" : " " + String.join(" ", st.args()))));
      case "emr-steps" -> {
        if (args.length < 3) {
          System.err.println("usage: JobRegistry emr-steps TENANT ARTIFACTS_URI [RUN_ID] [ACTIVE_STAGE...]");
          System.exit(ExitCodes.INVALID_INPUT);
        }
        java.util.List<String> stages = args.length > 4 ? java.util.List.of(args).subList(4, args.length) : null;
        System.out.println(emrSteps(args[1], args[2], args.length > 3 ? args[3] : "{{run_id}}", stages));
      }
      default -> {
        System.err.println("usage: JobRegistry list|resolve NAME|json|pipeline|pipeline-stages|emr-steps TENANT ARTIFACTS_URI");
        System.exit(ExitCodes.INVALID_INPUT);
      }
    }
  }

  /** The pipeline as JSON (what the Airflow DAG reads). */
  public static String pipelineJson() {
    StringBuilder sb = new StringBuilder("[");
    for (Stage st : PIPELINE) {
      JobSpec j = get(st.job());
      if (sb.length() > 1) {
        sb.append(',');
      }
      sb.append("{\"stage\":").append(quote(st.name())).append(",\"job\":").append(quote(j.name()))
          .append(",\"mainClass\":").append(quote(j.mainClass())).append(",\"jar\":").append(quote(j.jarPath()))
          .append(",\"args\":").append(quoteAll(st.args())).append(",\"when\":")
          .append(st.when() == null ? "null" : quote(st.when())).append('}');
    }
    return sb.append(']').toString();
  }

  /**
   * Steps for {@code aws emr add-steps --cluster-id j-... --steps file://steps.json}: one spark-submit per stage in
   * cluster deploy mode, with the job jars under {@code <artifacts>/jars/} and the configuration the bootstrap
   * action copied to {@code /etc/lakecdp/conf} on every node.
   */
  public static String emrSteps(String tenant, String artifacts, String runId, java.util.List<String> only) {
    String root = artifacts.replaceAll("/+$", "");
    StringBuilder sb = new StringBuilder("[\n");
    boolean first = true;
    for (Stage st : PIPELINE) {
      if (only != null && !only.contains(st.name())) {
        continue;
      }
      JobSpec j = get(st.job());
      java.util.List<String> a = new java.util.ArrayList<>(java.util.List.of("spark-submit", "--deploy-mode", "cluster",
          "--class", j.mainClass(), root + "/jars/" + j.jarPath().substring(j.jarPath().lastIndexOf('/') + 1)));
      a.addAll(st.args());
      a.addAll(java.util.List.of("--tenant", tenant, "--conf", "/etc/lakecdp/conf", "--env", "emr",
          "--run-id", runId + "-" + st.name()));
      sb.append(first ? "" : ",\n").append("  {\"Type\": \"CUSTOM_JAR\", \"Name\": ")
          .append(quote("lakecdp " + tenant + " " + st.name())).append(", \"ActionOnFailure\": \"CANCEL_AND_WAIT\", ")
          .append("\"Jar\": \"command-runner.jar\", \"Args\": ").append(quoteAll(a)).append('}');
      first = false;
    }
    return sb.append("\n]").toString();
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static String quoteAll(java.util.List<String> items) {
    StringBuilder sb = new StringBuilder("[");
    for (String i : items) {
      sb.append(sb.length() > 1 ? ", " : "").append(quote(i));
    }
    return sb.append(']').toString();
  }

  static String toJson() {
    StringBuilder sb = new StringBuilder("[");
    for (JobSpec j : JOBS.values()) {
      if (sb.length() > 1) {
        sb.append(',');
      }
      sb.append("{\"name\":\"").append(j.name()).append("\",\"module\":\"").append(j.module())
          .append("\",\"jar\":\"").append(j.jarPath()).append("\",\"mainClass\":\"").append(j.mainClass())
          .append("\",\"spark\":").append(j.spark()).append(",\"description\":\"")
          .append(j.description().replace("\"", "\\\"")).append("\"}");
    }
    return sb.append(']').toString();
  }
}
