package io.lakecdp.ingest;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.TaskContext;
import org.apache.spark.util.AccumulatorV2;

/**
 * The counts of {@link BatchSummary} (except that the key hashes cover the delete requests as well as the upserts),
 * gathered while the batch is being written instead of in a pass of their own:
 * every record passes {@link #record} once (a non-deterministic filter that keeps it), and each task reports its
 * partition's counts and key hashes with its result. The driver keeps one report per partition, so a task that ran
 * twice (a retry, a re-run stage) counts once.
 */
final class BatchTally extends AccumulatorV2<BatchTally.Report, Map<Integer, BatchTally.Report>> {
  /** One partition's counts: the same fields as {@link BatchSummary}. */
  static final class Report implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    long total;
    long rejected;
    long deletes;
    long withExtraKeys;
    boolean overShare;
    transient long[] hashes = new long[0];
    transient int count;

    private void writeObject(ObjectOutputStream out) throws IOException {
      out.defaultWriteObject();
      long[] sorted = Arrays.copyOf(hashes, count);
      Arrays.sort(sorted);
      out.writeInt(sorted.length);
      for (long h : sorted) {
        out.writeLong(h);
      }
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
      in.defaultReadObject();
      count = in.readInt();
      hashes = new long[count];
      for (int i = 0; i < count; i++) {
        hashes[i] = in.readLong();
      }
    }
  }

  private static final long serialVersionUID = 1L;
  /** Most key hashes one partition keeps; beyond it the batch's keys are left undecided. */
  private final long share;
  private int partition = -1;
  private Report own = new Report();
  private final TreeMap<Integer, Report> reports = new TreeMap<>();

  BatchTally(long share) {
    this.share = share;
  }

  /** Counts one record: valid or not, a delete request or not, with undeclared keys or not, its key hash. */
  void record(boolean ok, boolean delete, boolean extra, long hash) {
    if (partition < 0) {
      TaskContext task = TaskContext.get();
      partition = task == null ? 0 : task.partitionId();
    }
    Report r = own;
    r.total++;
    if (extra) {
      r.withExtraKeys++;
    }
    if (!ok) {
      r.rejected++;
      return;
    }
    if (delete) {
      r.deletes++;
    }
    // the keys of delete requests too: a first load may ignore a delete request only if no other record has its key
    if (share > 0 && !r.overShare) {
      if (r.count == share) {
        r.overShare = true;
        r.hashes = new long[0];
        r.count = 0;
        return;
      }
      if (r.count == r.hashes.length) {
        r.hashes = Arrays.copyOf(r.hashes, (int) Math.min(share, Math.max(1024, 2L * r.count)));
      }
      r.hashes[r.count++] = hash;
    }
  }

  /**
   * The batch's summary from every partition's report: counts summed, and the keys distinct when no hash repeats
   * across all of them (undecided when a partition held more than its share).
   */
  BatchSummary summary() {
    BatchSummary all = new BatchSummary();
    int n = 0;
    for (Report r : reports.values()) {
      all.total += r.total;
      all.rejected += r.rejected;
      all.deletes += r.deletes;
      all.withExtraKeys += r.withExtraKeys;
      all.overShare |= r.overShare;
      n += r.count;
    }
    if (!all.overShare) {
      long[] merged = new long[n];
      int at = 0;
      for (Report r : reports.values()) {
        System.arraycopy(r.hashes, 0, merged, at, r.count);
        at += r.count;
      }
      all.repeated = !BatchSummary.sortedDistinct(merged);
    }
    all.hashes = null;
    return all;
  }

  @Override
  public boolean isZero() {
    return partition < 0 && reports.isEmpty();
  }

  @Override
  public AccumulatorV2<Report, Map<Integer, Report>> copy() {
    BatchTally c = new BatchTally(share);
    c.reports.putAll(reports);
    return c;
  }

  @Override
  public void reset() {
    partition = -1;
    own = new Report();
    reports.clear();
  }

  @Override
  public void add(Report v) {
    throw new UnsupportedOperationException("records are counted with record()");
  }

  @Override
  public void merge(AccumulatorV2<Report, Map<Integer, Report>> other) {
    BatchTally o = (BatchTally) other;
    if (o.partition >= 0) {
      reports.put(o.partition, o.own);  // a partition reported again (a retried task) replaces its first report
    }
    reports.putAll(o.reports);
  }

  @Override
  public Map<Integer, Report> value() {
    Map<Integer, Report> out = new TreeMap<>(reports);
    if (partition >= 0) {
      out.put(partition, own);
    }
    return out;
  }
}
