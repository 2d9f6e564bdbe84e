package io.lakecdp.common.spark;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.QueryExecution;
import org.apache.spark.sql.util.QueryExecutionListener;

/**
 * Collects what a job did in Spark while it is registered: jobs, stages, tasks, records and bytes
 * read and written, shuffle and spill, and the SQL queries it ran. Register it at the start of a
 * run and read {@link #snapshot()} at the end.
 */
public final class JobTelemetry extends SparkListener implements QueryExecutionListener {
  private final AtomicLong jobs = new AtomicLong();
  private final AtomicLong stages = new AtomicLong();
  private final AtomicLong tasks = new AtomicLong();
  private final AtomicLong failedTasks = new AtomicLong();
  private final AtomicLong recordsRead = new AtomicLong();
  private final AtomicLong bytesRead = new AtomicLong();
  private final AtomicLong recordsWritten = new AtomicLong();
  private final AtomicLong bytesWritten = new AtomicLong();
  private final AtomicLong shuffleReadBytes = new AtomicLong();
  private final AtomicLong shuffleWriteBytes = new AtomicLong();
  private final AtomicLong spillBytes = new AtomicLong();
  private final AtomicLong executorRunMs = new AtomicLong();
  private final AtomicLong queries = new AtomicLong();
  private final AtomicLong failedQueries = new AtomicLong();
  private final AtomicLong queryMs = new AtomicLong();
  private final SparkSession spark;

  private JobTelemetry(SparkSession spark) {
    this.spark = spark;
  }

  public static JobTelemetry attach(SparkSession spark) {
    JobTelemetry t = new JobTelemetry(spark);
    spark.sparkContext().addSparkListener(t);
    spark.listenerManager().register(t);
    return t;
  }

  /** Waits until Spark has delivered every pending listener event, so the counters are complete. */
  public void drain() {
    try {
      spark.sparkContext().listenerBus().waitUntilEmpty(10_000);
    } catch (java.util.concurrent.TimeoutException | RuntimeException e) {
      // metrics stay as counted so far; a summary is still better than none
    }
  }

  public void detach() {
    spark.sparkContext().removeSparkListener(this);
    spark.listenerManager().unregister(this);
  }

  @Override
  public void onJobStart(SparkListenerJobStart jobStart) {
    jobs.incrementAndGet();
  }

  @Override
  public void onStageCompleted(SparkListenerStageCompleted stageCompleted) {
    stages.incrementAndGet();
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
    tasks.incrementAndGet();
    if (!taskEnd.taskInfo().successful()) {
      failedTasks.incrementAndGet();
    }
    TaskMetrics m = taskEnd.taskMetrics();
    if (m == null) {
      return;
    }
    recordsRead.addAndGet(m.inputMetrics().recordsRead());
    bytesRead.addAndGet(m.inputMetrics().bytesRead());
    recordsWritten.addAndGet(m.outputMetrics().recordsWritten());
    bytesWritten.addAndGet(m.outputMetrics().bytesWritten());
    shuffleReadBytes.addAndGet(m.shuffleReadMetrics().totalBytesRead());
    shuffleWriteBytes.addAndGet(m.shuffleWriteMetrics().bytesWritten());
    spillBytes.addAndGet(m.memoryBytesSpilled() + m.diskBytesSpilled());
    executorRunMs.addAndGet(m.executorRunTime());
  }

  @Override
  public void onSuccess(String funcName, QueryExecution qe, long durationNs) {
    queries.incrementAndGet();
    queryMs.addAndGet(durationNs / 1_000_000);
  }

  @Override
  public void onFailure(String funcName, QueryExecution qe, Exception exception) {
    queries.incrementAndGet();
    failedQueries.incrementAndGet();
  }

  /** The counters so far, by their {@code job_runs} column names. */
  public Map<String, Long> snapshot() {
    Map<String, Long> out = new LinkedHashMap<>();
    out.put("spark_jobs", jobs.get());
    out.put("stages", stages.get());
    out.put("tasks", tasks.get());
    out.put("failed_tasks", failedTasks.get());
    out.put("records_read", recordsRead.get());
    out.put("bytes_read", bytesRead.get());
    out.put("records_written", recordsWritten.get());
    out.put("bytes_written", bytesWritten.get());
    out.put("shuffle_read_bytes", shuffleReadBytes.get());
    out.put("shuffle_write_bytes", shuffleWriteBytes.get());
    out.put("spill_bytes", spillBytes.get());
    out.put("executor_run_ms", executorRunMs.get());
    out.put("sql_queries", queries.get());
    out.put("failed_sql_queries", failedQueries.get());
    out.put("sql_query_ms", queryMs.get());
    return out;
  }
}
