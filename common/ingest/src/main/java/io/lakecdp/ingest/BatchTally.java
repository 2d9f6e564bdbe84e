package io.lakecdp.ingest;

import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.Row;
import org.apache.spark.util.AccumulatorV2;

/**
 * The counts of {@link BatchSummary}, gathered while the batch is being written instead of in a pass of their own:
 * every record passes {@link #record} once (a non-deterministic column of the written query), and each task reports
 * its partition's {@link BatchSummary.Part} with its result. The driver keeps one part per partition, so a task that
 * ran twice (a retry, a re-run stage) counts once.
 */
final class BatchTally extends AccumulatorV2<BatchSummary.Part, Map<Integer, BatchSummary.Part>> {
  private static final long serialVersionUID = 1L;
  private final long share;
  private final long rejectBudget;
  private int partition = -1;
  private BatchSummary.Part own;
  private final TreeMap<Integer, BatchSummary.Part> parts = new TreeMap<>();

  /**
   * @param share the most key hashes a partition keeps; @param rejectBudget the most characters of rejected records
   *     a partition keeps for the quarantine
   */
  BatchTally(long share, long rejectBudget) {
    this.share = share;
    this.rejectBudget = rejectBudget;
    this.own = new BatchSummary.Part(share, rejectBudget);
  }

  /**
   * Counts one record: valid or not, a delete request or not, with undeclared keys or not, its key hash; a rejected
   * one comes with its file, offset, raw text and reason ({@code rejected}, null for a valid record).
   */
  void record(boolean ok, boolean delete, boolean extra, long hash, Row rejected) {
    if (partition < 0) {
      TaskContext task = TaskContext.get();
      partition = task == null ? 0 : task.partitionId();
    }
    if (rejected == null) {
      own.add(ok, delete, extra, hash);
    } else {
      own.add(ok, delete, extra, hash, rejected.getString(0), rejected.isNullAt(1) ? null : rejected.getLong(1),
          rejected.getString(2), rejected.getString(3));
    }
  }

  /** The batch's summary from every partition's part. */
  BatchSummary summary() {
    return BatchSummary.merge(value().values());
  }

  @Override
  public boolean isZero() {
    return partition < 0 && parts.isEmpty();
  }

  @Override
  public AccumulatorV2<BatchSummary.Part, Map<Integer, BatchSummary.Part>> copy() {
    BatchTally c = new BatchTally(share, rejectBudget);
    c.parts.putAll(parts);
    return c;
  }

  @Override
  public void reset() {
    partition = -1;
    own = new BatchSummary.Part(share, rejectBudget);
    parts.clear();
  }

  @Override
  public void add(BatchSummary.Part v) {
    throw new UnsupportedOperationException("records are counted with record()");
  }

  @Override
  public void merge(AccumulatorV2<BatchSummary.Part, Map<Integer, BatchSummary.Part>> other) {
    BatchTally o = (BatchTally) other;
    if (o.partition >= 0) {
      parts.put(o.partition, o.own);  // a partition reported again (a retried task) replaces its first report
    }
    parts.putAll(o.parts);
  }

  @Override
  public Map<Integer, BatchSummary.Part> value() {
    Map<Integer, BatchSummary.Part> out = new TreeMap<>(parts);
    if (partition >= 0) {
      out.put(partition, own);
    }
    return out;
  }
}
