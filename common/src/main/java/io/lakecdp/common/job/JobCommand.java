package io.lakecdp.common.job;

import io.lakecdp.common.config.ConfigException;
import io.lakecdp.common.config.EnvConfig;
import io.lakecdp.common.config.TenantConfig;
import io.lakecdp.common.model.ModelViews;
import io.lakecdp.common.spark.CheckpointDirs;
import io.lakecdp.common.spark.JobTelemetry;
import io.lakecdp.common.spark.SparkSessions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The contract every Spark job follows. Subclasses add their own picocli options and implement
 * {@link #validate} (all configuration checks, before Spark starts) and {@link #execute}. This class
 * loads and validates configuration (exit 2 on a problem, naming file, field and problem), builds the
 * session, collects telemetry, appends the {@code job_runs} row and prints one JSON summary line last.
 */
public abstract class JobCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(JobCommand.class);

  @Option(names = "--tenant", required = true, description = "Tenant to run for (conf/tenants/<tenant>/).")
  protected String tenant;

  @Option(names = "--conf", defaultValue = "${env:LAKECDP_CONF:-conf}",
      description = "Configuration folder holding <env>.yaml and tenants/ (default: $LAKECDP_CONF or ./conf).")
  protected Path confDir;

  @Option(names = "--env", defaultValue = "${env:LAKECDP_ENV:-local}",
      description = "Environment file in the conf folder, without .yaml (default: $LAKECDP_ENV or local).")
  protected String env;

  @Option(names = "--run-id",
      description = "Id of this run, recorded with every commit. Rerunning with the same id does not write twice. "
          + "Default: <job>-<timestamp>-<random>; orchestrators should pass their own (e.g. Airflow's run_id).")
  protected String runId;

  @Spec
  protected CommandSpec spec;

  /** What a command's run does besides its own work, for the bookkeeping here. */
  public enum Trait {
    /** What it writes shows in the tenant's model views: a successful run refreshes them ({@link ModelViews}). */
    REFRESHES_MODEL_VIEWS,
    /** Its standard output is its result (query's CSV, for a pipe): the JSON summary line goes to standard error. */
    SUMMARY_ON_STANDARD_ERROR,
    /** It writes nothing to the lake (inspect, report, export), not even its {@code job_runs} row. */
    READ_ONLY
  }

  private final String jobName;
  private final Set<Trait> traits;

  /**
   * @param jobName name of the job in the registry, the summaries and {@code job_runs}
   * @param traits what its runs do besides their own work
   */
  protected JobCommand(String jobName, Trait... traits) {
    this.jobName = jobName;
    this.traits = traits.length == 0 ? EnumSet.noneOf(Trait.class) : EnumSet.copyOf(Arrays.asList(traits));
  }

  /** Name of the job in the registry. */
  protected final String jobName() {
    return jobName;
  }

  /** Checks the job's own options and configuration files; throws {@link ConfigException}. No Spark yet. */
  protected abstract void validate(EnvConfig env, TenantConfig tenant);

  /** Does the work. */
  protected abstract JobResult execute(JobContext ctx);

  /** The session to use; tests may hand in their own, otherwise one is built from the environment. */
  protected SparkSession session(EnvConfig env) {
    return SparkSessions.create(env, "lakecdp " + jobName() + " [" + tenant + "]");
  }

  @Override
  public Integer call() {
    long start = System.currentTimeMillis();
    String id = runId != null ? runId : defaultRunId();
    PrintWriter out = summaryOnStandardError() ? spec.commandLine().getErr() : spec.commandLine().getOut();
    EnvConfig envConfig;
    TenantConfig tenantConfig;
    try {
      envConfig = EnvConfig.load(confDir, env).forTenant(confDir, tenant);
      tenantConfig = TenantConfig.load(confDir, tenant, envConfig);
      validate(envConfig, tenantConfig);
    } catch (ConfigException e) {
      spec.commandLine().getErr().println("ERROR " + e.getMessage());
      finish(out, new RunSummary(jobName(), tenant, id, start, System.currentTimeMillis(), "invalid_config",
          ExitCodes.INVALID_INPUT, e.getMessage(), null, 0, 0, 0, Map.of(), Map.of()));
      return ExitCodes.INVALID_INPUT;
    }
    LOG.info("Starting {} for tenant {} (run id {}, env {}, conf {})", jobName(), tenant, id, env, confDir);
    LOG.info("Effective configuration: {}", describe(envConfig, tenantConfig));
    SparkSession spark = session(envConfig);
    JobTelemetry telemetry = JobTelemetry.attach(spark);
    JobContext ctx = new JobContext(jobName(), id, envConfig, tenantConfig, spark);
    Optional<String> checkpoints = CheckpointDirs.ensure(spark.sparkContext(), envConfig);
    JobResult result = null;
    String status = "succeeded";
    int code = ExitCodes.OK;
    String error = null;
    try {
      result = execute(ctx);
    } catch (ConfigException | InvalidInputException e) {
      if (e instanceof InvalidInputException iie) {
        result = iie.partial();
      }
      status = "invalid_input";
      code = ExitCodes.INVALID_INPUT;
      error = e.getMessage();
      spec.commandLine().getErr().println("ERROR " + e.getMessage());
    } catch (JobFailedException e) {
      result = e.partial();
      status = "failed";
      code = ExitCodes.RUNTIME_FAILURE;
      error = e.getMessage();
      spec.commandLine().getErr().println("ERROR " + jobName() + " failed: " + error);
    } catch (RuntimeException e) {
      status = "failed";
      code = ExitCodes.RUNTIME_FAILURE;
      error = e.getClass().getSimpleName() + ": " + e.getMessage();
      LOG.error("{} failed for tenant {} (run id {})", jobName(), tenant, id, e);
      spec.commandLine().getErr().println("ERROR " + jobName() + " failed: " + error);
    } finally {
      spark.sparkContext().clearJobGroup();
      CheckpointDirs.drop(spark.sparkContext(), checkpoints);
    }
    if (code == ExitCodes.OK && refreshesModelViews()) {
      try {
        ModelViews.refresh(envConfig, tenantConfig);
      } catch (RuntimeException | LinkageError e) { // the job's work is done: views are a convenience on top
        LOG.warn("Could not refresh the model views of tenant {}: {}", tenant, e.getMessage());
      }
    }
    telemetry.drain();
    telemetry.detach();
    Map<String, Object> details = result == null ? new LinkedHashMap<>() : result.details();
    RunSummary summary = new RunSummary(jobName(), tenant, id, start, System.currentTimeMillis(), status, code,
        error, result == null || code != ExitCodes.OK ? null : result.skipReason(), result == null ? 0 : result.rowsIn(), result == null ? 0 : result.rowsOut(),
        result == null ? 0 : result.rowsQuarantined(), telemetry.snapshot(), details);
    if (recordsRun()) {
      try {
        JobRunRecorder.record(spark, ctx.tables(), summary);
      } catch (RuntimeException e) {
        LOG.warn("Could not append to {}: {}", ctx.tables().jobRuns(), e.getMessage());
      }
    }
    finish(out, summary);
    return code;
  }

  private boolean refreshesModelViews() {
    return traits.contains(Trait.REFRESHES_MODEL_VIEWS);
  }

  private boolean summaryOnStandardError() {
    return traits.contains(Trait.SUMMARY_ON_STANDARD_ERROR);
  }

  private boolean recordsRun() {
    return !traits.contains(Trait.READ_ONLY);
  }

  /** The environment as the run sees it, sorted, with anything that looks like a secret masked. */
  static String describe(EnvConfig env, TenantConfig tenant) {
    java.util.TreeMap<String, String> m = new java.util.TreeMap<>();
    m.put("catalog", env.catalogName() + " (" + env.catalogType().name().toLowerCase() + ")");
    m.put("warehouse", env.warehouse());
    m.put("landingRoot", env.landingRoot());
    m.put("streams", String.join(",", tenant.streams().keySet()));
    env.catalogProperties().forEach((k, v) -> m.put("catalog." + k, v));
    env.sparkSettings().forEach((k, v) -> m.put(k, v));
    m.replaceAll((k, v) -> k.toLowerCase().matches(".*(secret|password|token|credential|access\\.key).*") ? "****" : v);
    return m.toString();
  }

  private void finish(PrintWriter out, RunSummary summary) {
    out.println(summary.toJson());
    out.flush();
  }

  private String defaultRunId() {
    return jobName() + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss"))
        + "-" + UUID.randomUUID().toString().substring(0, 8);
  }
}
