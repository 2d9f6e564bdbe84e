package io.lakecdp.ingest;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * What one pass over a validated batch tells its ingest before it publishes: how many records it has, how many are
 * rejected, how many are delete requests, how many carry undeclared JSON keys, and whether the primary keys of its
 * valid records (upserts and delete requests together) are distinct. Each partition counts its records and keeps the
 * 64-bit hashes of their keys ({@link Part}); the driver merges the parts. Distinct hashes prove distinct keys; a
 * repeated hash (a repeated key, or a collision, about one chance in 10^7 among eight million keys) answers "not
 * distinct", which only makes the write pick the newest row of each key, as a repeated key needs anyway. A batch with
 * more valid records than the driver should hold hashes of leaves the question open ({@link #keysDistinct} null).
 * The counts come either from a pass of their own over a cached batch ({@link #of}) or from the write itself
 * ({@link BatchTally}).
 */
final class BatchSummary {
  long total;
  long rejected;
  long deletes;
  long withExtraKeys;
  boolean repeated;
  boolean overShare;
  /**
   * The rejected records, each as file, offset, raw text and reason, when every partition kept its own ({@link Part}
   * with a budget for them); null when some were not kept, and the quarantine must read them from the batch.
   */
  List<Object[]> rejectedRecords;

  /** Whether the valid records' keys are distinct: null when the batch has too many to tell by hashes. */
  Boolean keysDistinct() {
    return overShare ? null : !repeated;
  }

  /**
   * Why the batch's valid records cannot be written as they are, each as the newest (and only) record of its key,
   * so that the write must order the records of a key (or, for a one-pass load, that the load must take the general
   * way): null when they can.
   *
   * @param keyed whether the stream has a primary key
   */
  String whyNotAsIs(boolean keyed) {
    if (!keyed) {
      return deletes > 0 ? "it has delete requests" : null;
    }
    if (overShare) {
      return "it has too many records to compare key hashes on the driver";
    }
    return repeated ? "some keys repeat in it" : null;
  }

  /** The most key hashes one partition of {@code partitions} keeps, for a batch that may keep {@code maxHashes}. */
  static long share(boolean keyed, long maxHashes, int partitions) {
    return keyed ? Math.max(1, maxHashes / Math.max(1, partitions)) : 0;
  }

  /** The 64-bit hash of a record's primary key (0 for a stream without one). */
  static Column keyHash(List<String> key) {
    return key.isEmpty() ? functions.lit(0L)
        : functions.xxhash64(key.stream().map(k -> functions.col("`" + k + "`")).toArray(Column[]::new));
  }

  /**
   * Counts a batch in a pass of its own.
   *
   * @param ok the validity of a record; @param delete whether it is a delete request; @param extra whether it has
   *     undeclared keys
   */
  static BatchSummary of(Dataset<Row> batch, Column ok, Column delete, Column extra, List<String> key, long maxHashes) {
    Dataset<Row> rows = batch.select(ok, delete, extra, keyHash(key));
    // the partitions of the RDD the action runs (planning only, no job): a cached plan reports no partition count
    long share = share(!key.isEmpty(), maxHashes, rows.javaRDD().getNumPartitions());
    // a Dataset action (not an RDD one, which made Spark fill the cache in a job of its own first)
    return merge(rows.mapPartitions((MapPartitionsFunction<Row, byte[]>) it -> {
      Part p = new Part(share, 0);
      while (it.hasNext()) {
        Row r = it.next();
        p.add(r.getBoolean(0), r.getBoolean(1), r.getBoolean(2), r.getLong(3));
      }
      return List.of(p.bytes()).iterator();
    }, Encoders.BINARY()).collectAsList().stream().map(Part::read).toList());
  }

  /** The batch's summary from every partition's part: counts summed, and whether any key hash repeats across them. */
  static BatchSummary merge(Collection<Part> parts) {
    BatchSummary all = new BatchSummary();
    int n = 0;
    boolean allKept = true;
    for (Part p : parts) {
      allKept &= !p.rejectedNotKept;
      all.total += p.total;
      all.rejected += p.rejected;
      all.deletes += p.deletes;
      all.withExtraKeys += p.withExtraKeys;
      all.overShare |= p.overShare;
      n += p.count;
    }
    if (!all.overShare) {
      long[] merged = new long[n];
      int at = 0;
      for (Part p : parts) {
        System.arraycopy(p.hashes, 0, merged, at, p.count);
        at += p.count;
      }
      all.repeated = !sortedDistinct(merged);
    }
    if (allKept) {
      all.rejectedRecords = new ArrayList<>();
      parts.forEach(p -> all.rejectedRecords.addAll(p.kept));
    }
    return all;
  }

  /** Sorts the array in place; whether no value repeats. */
  static boolean sortedDistinct(long[] values) {
    Arrays.sort(values);
    for (int i = 1; i < values.length; i++) {
      if (values[i] == values[i - 1]) {
        return false;
      }
    }
    return true;
  }

  /** One partition's counts and key hashes, built record by record. */
  static final class Part implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Most key hashes this partition keeps; beyond it the batch's keys are left undecided. */
    private final long share;
    /** Most characters of rejected records this partition keeps for the quarantine (0: none). */
    private final long rejectBudget;
    private long rejectChars;
    private final ArrayList<Object[]> kept = new ArrayList<>();
    private boolean rejectedNotKept;
    long total;
    long rejected;
    long deletes;
    long withExtraKeys;
    boolean overShare;
    private transient long[] hashes = new long[0];
    private transient int count;

    Part(long share, long rejectBudget) {
      this.share = share;
      this.rejectBudget = rejectBudget;
    }

    /** Counts one record: valid or not, a delete request or not, with undeclared keys or not, its key hash. */
    void add(boolean ok, boolean delete, boolean extra, long hash) {
      add(ok, delete, extra, hash, null, null, null, null);
    }

    /**
     * Counts one record, and keeps a rejected one (its file, offset, raw text and reason) while the budget allows.
     */
    void add(boolean ok, boolean delete, boolean extra, long hash, String file, Long offset, String raw, String reason) {
      total++;
      if (extra) {
        withExtraKeys++;
      }
      if (!ok) {
        rejected++;
        keep(file, offset, raw, reason);
        return;
      }
      if (delete) {
        deletes++;
      }
      if (share == 0 || overShare) {
        return;
      }
      if (count == share) {
        overShare = true;
        hashes = new long[0];
        count = 0;
        return;
      }
      if (count == hashes.length) {
        hashes = Arrays.copyOf(hashes, (int) Math.min(share, Math.max(1024, 2L * count)));
      }
      hashes[count++] = hash;
    }

    private void keep(String file, Long offset, String raw, String reason) {
      if (rejectedNotKept) {
        return;
      }
      long chars = 32L + length(file) + length(raw) + length(reason);
      if (file == null || rejectChars + chars > rejectBudget) {
        rejectedNotKept = true;
        kept.clear();
        kept.trimToSize();
        return;
      }
      rejectChars += chars;
      kept.add(new Object[] {file, offset, raw, reason});
    }

    private static int length(String s) {
      return s == null ? 0 : s.length();
    }

    private byte[] bytes() {
      ByteArrayOutputStream out = new ByteArrayOutputStream(256 + 8 * count);
      try (ObjectOutputStream objects = new ObjectOutputStream(out)) {
        objects.writeObject(this);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return out.toByteArray();
    }

    private static Part read(byte[] bytes) {
      try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
        return (Part) in.readObject();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException(e);
      }
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
      out.defaultWriteObject();
      // sorted by the task, in parallel: the driver's sort of all parts then only merges sorted runs
      long[] sorted = Arrays.copyOf(hashes, count);
      Arrays.sort(sorted);
      out.writeInt(count);
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
}
