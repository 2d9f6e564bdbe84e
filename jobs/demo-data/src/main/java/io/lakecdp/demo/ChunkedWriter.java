package io.lakecdp.demo;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes a stream's landing files, starting a new file (with the header again) every N rows. */
final class ChunkedWriter implements AutoCloseable {
  private final Path dir;
  private final String prefix;
  private final String extension;
  private final String header;
  private final int rowsPerFile;
  private BufferedWriter out;
  private int rowsInFile;
  private int fileNo;
  private long rows;

  ChunkedWriter(Path dir, String prefix, String extension, String header, int rowsPerFile) {
    this.dir = dir;
    this.prefix = prefix;
    this.extension = extension;
    this.header = header;
    this.rowsPerFile = rowsPerFile;
  }

  void row(CharSequence line) {
    try {
      if (out == null || rowsInFile >= rowsPerFile) {
        rollOver();
      }
      out.append(line).append('\n');
      rowsInFile++;
      rows++;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  long rows() {
    return rows;
  }

  private void rollOver() throws IOException {
    if (out != null) {
      out.close();
    }
    Files.createDirectories(dir);
    fileNo++;
    out = Files.newBufferedWriter(dir.resolve(String.format("%s_%04d.%s", prefix, fileNo, extension)),
        StandardCharsets.UTF_8);
    rowsInFile = 0;
    if (header != null) {
      out.append(header).append('\n');
    }
  }

  @Override
  public void close() {
    try {
      if (out != null) {
        out.close();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
