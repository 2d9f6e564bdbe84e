package io.lakecdp.identity;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Where a tenant's trained match model lives: {@code <warehouse>/_models/<tenant>/identity-model.json}, a
 * readable JSON file beside the tables (any Hadoop file system: local, HDFS, S3A). Written to a temporary
 * file and renamed, so a reader never sees half a model. Beside it, the term frequencies the model was trained
 * with ({@code term-frequencies-<model>/}, Parquet): part of the model, so later runs weigh a value as the first
 * did and an incremental run decides a pair as a complete one would.
 */
final class ModelStore {
  private final Path file;
  private final Configuration conf;

  ModelStore(String warehouse, String tenant, Configuration conf) {
    this.file = new Path(warehouse.replaceAll("/+$", "") + "/_models/" + tenant + "/identity-model.json");
    this.conf = conf;
  }

  String location() {
    return file.toString();
  }

  /** The saved model, or null when there is none. */
  MatchModel load() {
    try {
      FileSystem fs = file.getFileSystem(conf);
      if (!fs.exists(file)) {
        return null;
      }
      try (InputStream in = fs.open(file)) {
        return MatchModel.fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the match model " + file, e);
    }
  }

  void save(MatchModel model) {
    try {
      FileSystem fs = file.getFileSystem(conf);
      fs.mkdirs(file.getParent());
      Path tmp = new Path(file.getParent(), "." + file.getName() + ".tmp");
      try (OutputStream out = fs.create(tmp, true)) {
        out.write(model.toJson().getBytes(StandardCharsets.UTF_8));
      }
      if (fs.exists(file)) {
        fs.delete(file, false);
      }
      if (!fs.rename(tmp, file)) {
        throw new IOException("rename of " + tmp + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the match model " + file, e);
    }
  }

  /** The folder of the term frequencies of this model. */
  Path frequencies(MatchModel model) {
    return new Path(file.getParent(), "term-frequencies-" + model.parametersSha256().substring(0, 16));
  }

  /** The model's saved term frequencies ({@code j, value, tf}), or null when none were saved. */
  org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> loadFrequencies(org.apache.spark.sql.SparkSession spark,
      MatchModel model) {
    Path dir = frequencies(model);
    try {
      if (!dir.getFileSystem(conf).exists(new Path(dir, "_SUCCESS"))) {
        return null;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + dir, e);
    }
    return spark.read().parquet(dir.toString());
  }

  /** Saves the model's term frequencies and deletes those of other models. */
  void saveFrequencies(org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> frequencies, MatchModel model) {
    Path dir = frequencies(model);
    frequencies.write().mode(org.apache.spark.sql.SaveMode.Overwrite).parquet(dir.toString());
    try {
      FileSystem fs = dir.getFileSystem(conf);
      for (org.apache.hadoop.fs.FileStatus st : fs.listStatus(file.getParent())) {
        if (st.getPath().getName().startsWith("term-frequencies-") && !st.getPath().getName().equals(dir.getName())) {
          fs.delete(st.getPath(), true);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + file.getParent(), e);
    }
  }
}
