package io.lakecdp.common.job;

import io.lakecdp.common.config.EnvConfig;
import io.lakecdp.common.config.TenantConfig;
import io.lakecdp.common.lake.Lake;
import io.lakecdp.common.lake.TenantTables;
import org.apache.spark.sql.SparkSession;

/** What a running job is handed: its session, its configuration, its run id and its tables. */
public record JobContext(String job, String runId, EnvConfig env, TenantConfig tenant, SparkSession spark) {
  public TenantTables tables() {
    return new TenantTables(env.catalogName(), tenant.name());
  }

  public Lake lake() {
    return new Lake(spark);
  }

  /** Labels the Spark jobs that follow, so the Spark UI reads as a story of the run. */
  public void step(String description) {
    spark.sparkContext().setJobGroup(job + ":" + runId, job + " [" + tenant.name() + "] " + description, false);
  }
}
