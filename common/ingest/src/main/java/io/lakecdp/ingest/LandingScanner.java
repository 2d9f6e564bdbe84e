package io.lakecdp.ingest;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/** Lists the data files of a landing folder (local, HDFS or S3A), skipping hidden and marker files. */
final class LandingScanner {
  private final Configuration conf;

  LandingScanner(Configuration conf) {
    this.conf = conf;
  }

  /** Files under {@code folder}, recursively, sorted by path; empty when the folder does not exist. */
  List<LandingFile> list(String folder, boolean deletes) {
    List<LandingFile> out = new ArrayList<>();
    try {
      Path root = new Path(folder);
      FileSystem fs = root.getFileSystem(conf);
      if (!fs.exists(root)) {
        return out;
      }
      RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
      while (it.hasNext()) {
        LocatedFileStatus st = it.next();
        String name = st.getPath().getName();
        if (name.startsWith(".") || name.startsWith("_") || name.endsWith(".crc") || st.getLen() == 0) {
          continue;
        }
        out.add(new LandingFile(st.getPath().toString(), st.getLen(), st.getModificationTime(), deletes));
      }
    } catch (FileNotFoundException e) {
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list landing folder " + folder + ": " + e.getMessage(), e);
    }
    out.sort(Comparator.comparing(LandingFile::path));
    return out;
  }
}
