package io.lakecdp.identity;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The units candidates are found in: a retrieval block, or the records sharing an exact key. What a unit yields
 * depends only on its members' ids and normalized values, so its content signature says whether the last run
 * already searched it: a run searches the units it has not seen and keeps the last run's pairs of the others.
 * A full run is a run that has seen nothing.
 */
final class Units {
  /** The rows retrieval yields: a decided pair with the unit that found it, or a marker ({@code a} null). */
  static final StructType SCHEMA = ResolutionEngine.EDGE_SCHEMA.add("unit", DataTypes.LongType, false)
      .add("fresh", DataTypes.BooleanType, false);

  private Units() {}

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

  /** The row that says a unit exists in this run, and whether it was searched ({@code fresh}). */
  static Row marker(long unit, boolean fresh) {
    return RowFactory.create(null, null, null, null, null, null, unit, fresh);
  }

  /**
   * Decides pairs once per partition (a pair found by several units is scored once) and writes a row for each
   * unit that found a decided pair.
   */
  static final class Decisions {
    private static final Row NONE = RowFactory.create();
    private final PairScorer scorer;
    private final Map<String, Row> decided = new HashMap<>();
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
      String key = a[0] + '\u0001' + b[0];
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
        v[edge.size() + 1] = true;
        out.add(RowFactory.create(v));
      }
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
}
