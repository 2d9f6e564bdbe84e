package io.lakecdp.common.lake;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Content fingerprints for every skip-if-unchanged decision (stored under {@link CommitKeys#INPUTS}): SHA-256 of
 * canonical bytes, so the same content gives the same fingerprint in every JVM, unlike {@code hashCode()}.
 */
public final class InputFingerprint {
  private InputFingerprint() {}

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
