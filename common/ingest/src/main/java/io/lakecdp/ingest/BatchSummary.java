package io.lakecdp.ingest;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * What one pass over a validated batch tells its ingest before the write: how many records it has, how many are
 * rejected, how many are delete requests, how many carry undeclared JSON keys, and whether the primary keys of the
 * valid upserts are distinct. The pass is a single stage without a shuffle (it also fills the batch's cache): each
 * partition counts and sorts the 64-bit hashes of its keys, the driver merges them. Distinct hashes prove distinct
 * keys; a repeated hash (a repeated key, or a collision, about one chance in 10^7 among eight million keys) answers
 * "not distinct", which only makes the write pick the newest row of each key, as a repeated key needs anyway. A batch
 * with more valid records than the driver should hold hashes of leaves the question open ({@link #keysDistinct} null).
 */
final class BatchSummary {
  long total;
  long rejected;
  long deletes;
  long withExtraKeys;
  /** The partition's valid upserts' key hashes, sorted; null once they repeat or exceed the partition's share. */
  long[] hashes = new long[0];
  boolean repeated;
  boolean overShare;

  /** Whether the valid upserts' keys are distinct: null when the batch has too many to tell by hashes. */
  Boolean keysDistinct() {
    return overShare ? null : !repeated;
  }

  /**
   * @param ok the validity of a record; @param delete whether it is a delete request; @param extra whether it has
   *     undeclared keys
   */
  static BatchSummary of(Dataset<Row> batch, Column ok, Column delete, Column extra, List<String> key, long maxHashes) {
    Column hash = key.isEmpty() ? functions.lit(0L)
        : functions.xxhash64(key.stream().map(k -> functions.col("`" + k + "`")).toArray(Column[]::new));
    Dataset<Row> rows = batch.select(ok, delete, extra, hash);
    // the partitions of the RDD the action runs (planning only, no job): a cached plan reports no partition count
    long share = key.isEmpty() ? 0 : Math.max(1, maxHashes / Math.max(1, rows.javaRDD().getNumPartitions()));
    // a Dataset action (not an RDD one, which made Spark fill the cache in a job of its own first)
    List<BatchSummary> parts = rows.mapPartitions((MapPartitionsFunction<Row, byte[]>) it -> List.of(
        partition(it, share).bytes()).iterator(), Encoders.BINARY()).collectAsList().stream().map(BatchSummary::read).toList();
    BatchSummary all = new BatchSummary();
    int hashes = 0;
    for (BatchSummary p : parts) {
      all.total += p.total;
      all.rejected += p.rejected;
      all.deletes += p.deletes;
      all.withExtraKeys += p.withExtraKeys;
      all.repeated |= p.repeated;
      all.overShare |= p.overShare;
      hashes += p.hashes == null ? 0 : p.hashes.length;
    }
    if (!all.repeated && !all.overShare) {
      long[] merged = new long[hashes];
      int at = 0;
      for (BatchSummary p : parts) {
        System.arraycopy(p.hashes, 0, merged, at, p.hashes.length);
        at += p.hashes.length;
      }
      all.repeated = !sortedDistinct(merged);
    }
    all.hashes = null;
    return all;
  }

  private static BatchSummary partition(Iterator<Row> rows, long share) {
    BatchSummary s = new BatchSummary();
    long[] values = new long[share == 0 ? 0 : (int) Math.min(share, 1024)];
    int n = 0;
    while (rows.hasNext()) {
      Row r = rows.next();
      s.total++;
      s.withExtraKeys += r.getBoolean(2) ? 1 : 0;
      if (!r.getBoolean(0)) {
        s.rejected++;
      } else if (r.getBoolean(1)) {
        s.deletes++;
      } else if (share > 0 && !s.overShare) {
        if (n == share) {
          s.overShare = true;
          values = new long[0];
          n = 0;
          continue;
        }
        if (n == values.length) {
          values = Arrays.copyOf(values, (int) Math.min(share, 2L * n));
        }
        values[n++] = r.getLong(3);
      }
    }
    long[] sorted = Arrays.copyOf(values, n);
    s.repeated = !sortedDistinct(sorted);
    s.hashes = s.repeated || s.overShare ? null : sorted;
    return s;
  }

  private byte[] bytes() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 + (hashes == null ? 0 : 8 * hashes.length));
    try (DataOutputStream data = new DataOutputStream(out)) {
      data.writeLong(total);
      data.writeLong(rejected);
      data.writeLong(deletes);
      data.writeLong(withExtraKeys);
      data.writeBoolean(repeated);
      data.writeBoolean(overShare);
      data.writeInt(hashes == null ? -1 : hashes.length);
      for (int i = 0; hashes != null && i < hashes.length; i++) {
        data.writeLong(hashes[i]);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static BatchSummary read(byte[] bytes) {
    try (DataInputStream data = new DataInputStream(new ByteArrayInputStream(bytes))) {
      BatchSummary s = new BatchSummary();
      s.total = data.readLong();
      s.rejected = data.readLong();
      s.deletes = data.readLong();
      s.withExtraKeys = data.readLong();
      s.repeated = data.readBoolean();
      s.overShare = data.readBoolean();
      int n = data.readInt();
      s.hashes = n < 0 ? null : new long[n];
      for (int i = 0; i < n; i++) {
        s.hashes[i] = data.readLong();
      }
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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
}
