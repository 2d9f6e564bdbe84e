package io.lakecdp.identity;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Computes a dataset once and cuts its plan, in the way that survives the loss of an executor.
 *
 * <p>With a checkpoint folder (a job on a cluster master always has one: {@code CheckpointDirs}) the checkpoint is
 * reliable: written there, read back by any executor. Without one (a local master) it is a local checkpoint, whose
 * blocks live in the driver's own block manager. A local checkpoint on a cluster would fail the run when an executor
 * holding one of its blocks is lost, since such blocks have no plan to be recomputed from.
 */
final class Materialized {
  private Materialized() {}

  static Dataset<Row> of(Dataset<Row> dataset) {
    return dataset.sparkSession().sparkContext().getCheckpointDir().isDefined()
        ? dataset.checkpoint(true) : dataset.localCheckpoint(true);
  }
}
