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
    add(new JobSpec("dlo-write", "jobs/dlo-write", "io.lakecdp.dlowrite.DloWriteMain", true,
        "Batch ingest: landing files of each data stream into Iceberg DLO tables"));
    add(new JobSpec("ingest-stream", "jobs/ingest-stream", "io.lakecdp.ingeststream.IngestStreamCommand", true,
        "Streaming ingest: landing folders and Kafka topics into DLO tables, on demand (AvailableNow) or continuously"));
    add(new JobSpec("identity-resolution", "jobs/identity-resolution", "io.lakecdp.identity.IdentityResolutionMain", true,
        "Unified profiles from source Individuals (match rules, Lucene candidates, stable ids); 'evaluate' measures rules"));
    add(new JobSpec("calculated-insights", "jobs/calculated-insights", "io.lakecdp.insights.InsightsCommand", true,
        "Calculated insights: Spark SQL over DMOs and unified tables, materialized as <tenant>_cio tables"));
    add(new JobSpec("segmentation", "jobs/segmentation", "io.lakecdp.segmentation.SegmentationCommand", true,
        "Segments: 'publish' membership (latest, history, runs); 'explain' a segment's conditions and counts"));
    add(new JobSpec("activation", "jobs/activation", "io.lakecdp.activation.ActivationCommand", true,
        "Activation: segment members with attributes and contact points, exported and delivered with DistCp"));
    add(new JobSpec("inspect", "jobs/dlo-write", "io.lakecdp.common.inspect.InspectMain", true,
        "Print a tenant's tables, row counts, quarantine and DMO counts"));
    add(new JobSpec("bench-dlo-write", "jobs/dlo-write", "io.lakecdp.dlowrite.bench.DloWriteBenchmark", true,
        "Benchmark of batch ingest against plain Spark baselines (not part of the pipeline)"));
    add(new JobSpec("bench-identity", "jobs/identity-resolution", "io.lakecdp.identity.IdentityBenchmark", true,
        "Benchmark of identity resolution against an exact-match baseline (not part of the pipeline)"));
    add(new JobSpec("bench-segmentation", "jobs/segmentation", "io.lakecdp.segmentation.SegmentationBenchmark", true,
        "Benchmark of segment publishing against hand-written Spark SQL (not part of the pipeline)"));
    add(new JobSpec("bench-activation", "jobs/activation", "io.lakecdp.activation.ActivationBenchmark", true,
        "Benchmark of activation against a plain join + write, and DistCp against a plain copy (not part of the pipeline)"));
  }

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
      default -> {
        System.err.println("usage: JobRegistry list|resolve NAME|json");
        System.exit(ExitCodes.INVALID_INPUT);
      }
    }
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
