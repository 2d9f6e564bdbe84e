package io.lakecdp.common.lake;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.apache.iceberg.DataOperations;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;

/**
 * Content fingerprints for every skip-if-unchanged decision (stored under {@link CommitKeys#INPUTS}): SHA-256 of
 * canonical bytes, so the same content gives the same fingerprint in every JVM, unlike {@code hashCode()}.
 */
public final class InputFingerprint {
  private InputFingerprint() {}

  /**
   * The id of the newest snapshot whose data the given one holds unchanged: table maintenance (compaction, manifest
   * rewrites) commits {@code replace} snapshots that change files, not rows, so they do not count as new input.
   * "none" for an empty table.
   */
  public static String contentSnapshot(Table table, Snapshot snapshot) {
    Snapshot s = snapshot;
    while (s != null && DataOperations.REPLACE.equals(s.operation()) && s.parentId() != null
        && table.snapshot(s.parentId()) != null) {
      s = table.snapshot(s.parentId());
    }
    return s == null ? "none" : String.valueOf(s.snapshotId());
  }

  public static String sha256(String text) {
    return sha256(text.getBytes(StandardCharsets.UTF_8));
  }

  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
