package io.lakecdp.common.spark;

import io.lakecdp.common.config.EnvConfig;
import java.io.IOException;
import java.util.Optional;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The folder Spark writes reliable checkpoints to, on a cluster master. Jobs that cut long plans (the iterations of
 * connected components, for one) checkpoint there, so that the loss of an executor costs a recomputation and not the
 * run. A local master needs none: its local checkpoints live in the driver.
 *
 * <p>{@code spark.checkpoint.dir} wins when set (HDFS on EMR is the fast choice). Otherwise the folder is
 * {@code <checkpointRoot>/spark/<application id>}: the checkpoint root is under the warehouse by default, which every
 * executor can already reach. Either way the run's own folder is deleted when the job ends.
 */
public final class CheckpointDirs {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointDirs.class);

  private CheckpointDirs() {}

  /** Sets the checkpoint folder if the master is a cluster and none is set; returns the folder to delete later. */
  public static Optional<String> ensure(SparkContext sc, EnvConfig env) {
    if (sc.isLocal() || sc.getCheckpointDir().isDefined()) {
      return Optional.empty();
    }
    String configured = sc.getConf().get("spark.checkpoint.dir", "");
    if (!configured.isBlank()) {
      sc.setCheckpointDir(configured); // Spark adds a folder of this application's own below it
      LOG.info("checkpoints of this run go to {} (spark.checkpoint.dir)", sc.getCheckpointDir().get());
      return Optional.of(sc.getCheckpointDir().get());
    }
    String dir = env.checkpointRoot() + "/spark/" + sc.applicationId();
    sc.setCheckpointDir(dir);
    LOG.info("checkpoints of this run go to {} (set spark.checkpoint.dir to choose another folder)", dir);
    return Optional.of(dir);
  }

  /** Deletes a folder {@link #ensure} chose; a failure to delete is logged, not thrown. */
  public static void drop(SparkContext sc, Optional<String> dir) {
    if (dir.isEmpty()) {
      return;
    }
    Path path = new Path(dir.get());
    try {
      FileSystem fs = path.getFileSystem(sc.hadoopConfiguration());
      fs.delete(path, true);
    } catch (IOException e) {
      LOG.warn("could not delete the checkpoint folder {}: {}", path, e.getMessage());
    }
  }
}
