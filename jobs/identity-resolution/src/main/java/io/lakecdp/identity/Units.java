package io.lakecdp.identity;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The units candidates are found in: a retrieval block, or the records sharing an exact key. What a unit yields
 * depends only on its members' ids and normalized values, so its content signature says whether the last run
 * already searched it: a run searches the units it has not seen and keeps the last run's pairs of the others.
 * A full run is a run that has seen nothing.
 *
 * <p>A unit is named by its key's id ({@link #keyId}): the same from run to run while its members change, so the
 * {@code found_by} of a pair (the ids of the units that found it) changes only when the pair is found otherwise.
 */
final class Units {
  /**
   * The rows retrieval yields: a decided pair with the id of the unit that found it ({@code unit}), or a marker
   * ({@code a} null) with the unit's id, its content {@code signature} and whether it was searched ({@code fresh}).
   */
  static final StructType SCHEMA = ResolutionEngine.EDGE_SCHEMA.add("unit", DataTypes.LongType, false)
      .add("signature", DataTypes.LongType, true).add("fresh", DataTypes.BooleanType, false);

  private Units() {}

  /** First 8 bytes of the SHA-256 of a unit's key: its name from run to run. */
  static long keyId(String key) {
    return signature(key, List.of());
  }

  /**
   * First 8 bytes of the SHA-256 of the unit's key and its members' ids and values, members in record-id
   * order. Content only: every JVM computes the same.
   */
  static long signature(String key, List<String[]> members) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    sha.update(key.getBytes(StandardCharsets.UTF_8));
    for (String[] m : members) {
      sha.update((byte) 0x1e);
      for (String v : m) {
        if (v == null) {
          sha.update((byte) 0x00);
        } else {
          sha.update((byte) 0x1f);
          sha.update(v.getBytes(StandardCharsets.UTF_8));
        }
      }
    }
    byte[] d = sha.digest();
    long out = 0;
    for (int i = 0; i < 8; i++) {
      out = (out << 8) | (d[i] & 0xff);
    }
    return out;
  }

  /** @param known sorted signatures */
  static boolean known(long[] known, long unit) {
    return known.length > 0 && java.util.Arrays.binarySearch(known, unit) >= 0;
  }

  /** The row that says a unit exists in this run (its key's id and content signature), and whether it was searched. */
  static Row marker(long unit, long signature, boolean fresh) {
    return RowFactory.create(null, null, null, null, null, null, unit, signature, fresh);
  }

  /**
   * Decides pairs once per partition (a pair found by several units is scored once) and writes a row for each
   * unit that found a decided pair. Records are told apart by identity: the caller passes one array per record id
   * (the same array in every block of the partition).
   */
  static final class Decisions {
    private static final Row NONE = RowFactory.create();
    private final PairScorer scorer;
    private final java.util.IdentityHashMap<String[], Integer> index = new java.util.IdentityHashMap<>();
    private final Map<Long, Row> decided = new HashMap<>();
    private long scored;

    Decisions(PairScorer scorer) {
      this.scorer = scorer;
    }

    /** @param a the record with the smaller id */
    void decide(String[] a, String[] b, long unit, List<Row> out) {
      if (a[0].equals(b[0])) {
        return;
      }
      if (a[0].compareTo(b[0]) > 0) {
        String[] t = a;
        a = b;
        b = t;
      }
      Long key = pairKey(indexOf(a), indexOf(b));
      Row edge = decided.get(key);
      if (edge == null) {
        scored++;
        edge = ResolutionEngine.decide(scorer, a, b);
        decided.put(key, edge == null ? NONE : edge);
      }
      if (edge != null && edge != NONE) {
        Object[] v = new Object[SCHEMA.size()];
        for (int i = 0; i < edge.size(); i++) {
          v[i] = edge.get(i);
        }
        v[edge.size()] = unit;
        v[edge.size() + 2] = true;
        out.add(RowFactory.create(v));
      }
    }

    private int indexOf(String[] record) {
      Integer i = index.get(record);
      if (i == null) {
        i = index.size();
        index.put(record, i);
      }
      return i;
    }

    /** Decides every two of the members (a small block, an exact-key group). */
    void allPairs(List<String[]> members, long unit, List<Row> out) {
      for (int x = 0; x < members.size(); x++) {
        for (int y = x + 1; y < members.size(); y++) {
          decide(members.get(x), members.get(y), unit, out);
        }
      }
    }

    long scored() {
      return scored;
    }
  }

  /**
   * One key per pair of record indices, spread by a bijective mix (a plain {@code i << 32 | j} hashes to {@code i ^ j},
   * and a partition's pairs would share few buckets).
   */
  static long pairKey(int i, int j) {
    long z = ((long) i << 32) | (j & 0xffffffffL);
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /**
   * The rows of {@link #MERGED}: retrieval's rows ({@link #SCHEMA}) merged within one partition of a shuffle that
   * brings every row of a pair (by {@code a}) and every marker of a unit together. A pair found by several units
   * becomes one row whose {@code found_by} lists them (sorted); a unit's markers become one.
   */
  static final StructType MERGED = ResolutionEngine.EDGE_SCHEMA
      .add("found_by", DataTypes.createArrayType(DataTypes.LongType, false), true)
      .add("unit", DataTypes.LongType, true).add("signature", DataTypes.LongType, true)
      .add("fresh", DataTypes.BooleanType, true);

  /**
   * Merges Spark's own rows, without converting them to {@link Row}s and back: a pair's row is read for its two ids
   * and its unit, and only the first row of each pair is copied (its maps are passed on as Spark holds them).
   */
  private record Found(InternalRow row, java.util.TreeSet<Long> units) {}

  private record Marker(long signature, boolean fresh) {}

  static java.util.Iterator<InternalRow> merge(java.util.Iterator<InternalRow> rows) {
    int edgeWidth = ResolutionEngine.EDGE_SCHEMA.size();
    UTF8String separator = UTF8String.fromString("\u0001");
    // Per pair: its first row (copied) and the units that found it.
    Map<UTF8String, Found> pairs = new HashMap<>();
    // Per unit: its signature and whether it was searched (a unit lies whole in one retrieval partition: one marker).
    java.util.TreeMap<Long, Marker> markers = new java.util.TreeMap<>();
    while (rows.hasNext()) {
      InternalRow r = rows.next();
      long unit = r.getLong(edgeWidth);
      if (r.isNullAt(0)) {
        markers.put(unit, new Marker(r.getLong(edgeWidth + 1), r.getBoolean(edgeWidth + 2)));
        continue;
      }
      UTF8String key = UTF8String.concat(r.getUTF8String(0), separator, r.getUTF8String(1));
      Found found = pairs.get(key);
      if (found == null) {
        found = new Found(r.copy(), new java.util.TreeSet<>());
        pairs.put(key, found);
      }
      found.units().add(unit);
    }
    List<InternalRow> out = new java.util.ArrayList<>(pairs.size() + markers.size());
    for (Found found : pairs.values()) {
      Object[] v = new Object[MERGED.size()];
      for (int i = 0; i < edgeWidth; i++) {
        v[i] = found.row().isNullAt(i) ? null : found.row().get(i, ResolutionEngine.EDGE_SCHEMA.fields()[i].dataType());
      }
      v[edgeWidth] = UnsafeArrayData.fromPrimitiveArray(found.units().stream().mapToLong(Long::longValue).toArray());
      out.add(new GenericInternalRow(v));
    }
    markers.forEach((unit, marker) -> {
      Object[] v = new Object[MERGED.size()];
      v[edgeWidth + 1] = unit;
      v[edgeWidth + 2] = marker.signature();
      v[edgeWidth + 3] = marker.fresh();
      out.add(new GenericInternalRow(v));
    });
    return out.iterator();
  }
}
