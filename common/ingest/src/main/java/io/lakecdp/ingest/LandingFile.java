package io.lakecdp.ingest;

/**
 * A file in a landing folder. Its identity (path, length, modification time) is what the ingest
 * ledger records, so a file replaced by a new version is ingested again.
 */
public record LandingFile(String path, long length, long modifiedAt, boolean deletes) {
  public String identity() {
    return path + "|" + length + "|" + modifiedAt;
  }
}
