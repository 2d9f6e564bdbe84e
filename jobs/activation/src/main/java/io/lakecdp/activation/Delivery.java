package io.lakecdp.activation;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.mapreduce.Job;
import org.apache.hadoop.tools.DistCp;
import org.apache.hadoop.tools.DistCpOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves a staged export to its target with Hadoop DistCp (in this JVM: the local job runner in local mode,
 * YARN where the Hadoop configuration says so) and marks it complete with a manifest written last.
 */
final class Delivery {
  static final String MANIFEST = "_manifest.json";
  private static final Logger LOG = LoggerFactory.getLogger(Delivery.class);

  private final Configuration conf;

  Delivery(Configuration conf) {
    this.conf = new Configuration(conf);
  }

  /** The file system of a path; for local paths the raw one, so that no .crc side files are written. */
  private FileSystem fs(Path p) throws IOException {
    FileSystem fs = p.getFileSystem(conf);
    return fs instanceof org.apache.hadoop.fs.LocalFileSystem local ? local.getRawFileSystem() : fs;
  }

  /** A file of a staged export, with what a reader needs to check it arrived whole. */
  record StagedFile(String name, long bytes, String sha256) {}

  /**
   * Tidies a folder Spark wrote (drops {@code _SUCCESS} and checksum side files) and renames its data files
   * to {@code <prefix>-00000<ext>}, in Spark's order.
   */
  List<Path> tidy(Path dir, String prefix, String extension) {
    try {
      FileSystem fs = fs(dir);
      List<Path> out = new ArrayList<>();
      if (!fs.exists(dir)) {
        return out;
      }
      FileStatus[] files = fs.listStatus(dir);
      java.util.Arrays.sort(files, java.util.Comparator.comparing(f -> f.getPath().getName()));
      int i = 0;
      for (FileStatus f : files) {
        String name = f.getPath().getName();
        if (name.startsWith("_") || name.startsWith(".")) {
          fs.delete(f.getPath(), false);
          continue;
        }
        Path renamed = new Path(dir, String.format("%s-%05d%s", prefix, i++, extension));
        if (!fs.rename(f.getPath(), renamed)) {
          throw new IOException("cannot rename " + f.getPath() + " to " + renamed);
        }
        out.add(renamed);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot tidy staged export " + dir + ": " + e.getMessage(), e);
    }
  }

  StagedFile describe(Path file, Path root) {
    try {
      FileSystem fs = fs(file);
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      try (InputStream in = new DigestInputStream(fs.open(file), sha)) {
        in.transferTo(OutputStream.nullOutputStream());
      }
      String relative = root.toUri().relativize(file.toUri()).getPath();
      return new StagedFile(relative, fs.getFileStatus(file).getLen(), HexFormat.of().formatHex(sha.digest()));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read staged file " + file + ": " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  boolean hasManifest(Path targetDir) {
    try {
      return fs(targetDir).exists(new Path(targetDir, MANIFEST));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot reach target " + targetDir + ": " + e.getMessage(), e);
    }
  }

  /** Removes what an earlier failed attempt left in the run's target folder (it has no manifest). */
  void removeIncomplete(Path targetDir) {
    try {
      FileSystem fs = fs(targetDir);
      if (fs.exists(targetDir) && !fs.exists(new Path(targetDir, MANIFEST))) {
        LOG.info("Removing the incomplete delivery an earlier attempt left in {}", targetDir);
        fs.delete(targetDir, true);
      }
    } catch (IOException e) {
      LOG.warn("Could not remove the incomplete delivery in {}: {}", targetDir, e.getMessage());
    }
  }

  /** Copies the contents of {@code staged} into {@code targetDir} (created) with DistCp; throws when the copy fails. */
  void copy(Path staged, Path targetDir, int maxMaps) {
    try {
      // Fail fast, with the file system's own reason, when the target cannot be written at all (no such bucket,
      // no permission, a file in the way) rather than after DistCp's retries of every file.
      if (!fs(targetDir).mkdirs(targetDir)) {
        throw new IOException("cannot create the folder " + targetDir);
      }
    } catch (IOException e) {
      throw new DeliveryException("Target " + targetDir + " cannot be written: " + rootMessage(e), e);
    }
    try {
      boolean objectStore = "s3a".equals(targetDir.toUri().getScheme());
      DistCpOptions options = new DistCpOptions.Builder(List.of(staged), targetDir)
          .withSyncFolder(true)
          // on an object store a rename is a copy: write each file in place (the manifest marks completeness)
          .withDirectWrite(objectStore)
          // the staged and target file systems compute checksums differently (local vs S3): lengths are checked
          .withCRC(true)
          .maxMaps(Math.max(1, maxMaps))
          .withBlocking(true)
          .build();
      Configuration jobConf = new Configuration(conf);
      // The local job runner (Spark's local mode) runs one map at a time unless told otherwise.
      jobConf.setInt("mapreduce.local.map.tasks.maximum",
          Math.max(1, Math.min(maxMaps, Runtime.getRuntime().availableProcessors() * 2)));
      Job job = new DistCp(jobConf, options).execute();
      if (!job.isSuccessful()) {
        throw new IOException("DistCp job " + job.getJobID() + " did not succeed: " + job.getStatus().getFailureInfo());
      }
      LOG.info("DistCp {} copied {} to {}", job.getJobID(), staged, targetDir);
      if (fs(targetDir) instanceof org.apache.hadoop.fs.RawLocalFileSystem local) {
        // DistCp writes local files through the checksummed file system: drop its .crc side files.
        var it = local.listFiles(targetDir, true);
        while (it.hasNext()) {
          Path p = it.next().getPath();
          if (p.getName().startsWith(".") && p.getName().endsWith(".crc")) {
            local.delete(p, false);
          }
        }
      }
    } catch (Exception e) {
      throw new DeliveryException("Copy of the export to " + targetDir + " failed: " + rootMessage(e), e);
    }
  }

  /** Writes the manifest: the marker that the export in {@code targetDir} is complete. */
  void writeManifest(Path targetDir, String json) {
    try {
      FileSystem fs = fs(targetDir);
      Path manifest = new Path(targetDir, MANIFEST);
      boolean objectStore = "s3a".equals(targetDir.toUri().getScheme());
      // An object store's PUT is atomic; elsewhere write beside and rename into place.
      Path tmp = objectStore ? manifest : new Path(targetDir, "." + MANIFEST + ".tmp");
      try (OutputStream out = fs.create(tmp, true)) {
        out.write(json.getBytes(StandardCharsets.UTF_8));
      }
      if (!objectStore && !fs.rename(tmp, manifest)) {
        throw new IOException("cannot rename " + tmp + " to " + manifest);
      }
    } catch (IOException e) {
      throw new DeliveryException("Cannot write the manifest in " + targetDir + ": " + e.getMessage(), e);
    }
  }

  /** Points {@code <target>/LATEST} at the newest complete delivery (a convenience for readers). */
  void writeLatest(Path target, String runId) {
    try (OutputStream out = fs(target).create(new Path(target, "LATEST"), true)) {
      out.write((runId + "\n").getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      LOG.warn("Could not update {}/LATEST: {}", target, e.getMessage());
    }
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    String message = e.getMessage();
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
      if (t.getMessage() != null) {
        message = t.getMessage();
      }
    }
    return message == null ? e.getClass().getSimpleName() : message.split("\n")[0];
  }

  /** The export could not be delivered; nothing at the target claims it is complete. */
  static final class DeliveryException extends RuntimeException {
    DeliveryException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
