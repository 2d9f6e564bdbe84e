package io.lakecdp.common.job;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakecdp.common.config.EnvConfig;
import io.lakecdp.common.config.TenantConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobCommandTest {
  @Test
  void effectiveConfigurationIsSortedAndMasksSecrets(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("conf");
    Files.createDirectories(conf.resolve("tenants/t"));
    Files.writeString(conf.resolve("local.yaml"), """
        catalog:
          warehouse: wh
          properties: {jdbc.password: hunter2, jdbc.user: cdp}
        spark:
          spark.hadoop.fs.s3a.secret.key: abc123
          spark.sql.shuffle.partitions: "8"
        """);
    Files.writeString(conf.resolve("tenants/t/streams.yaml"),
        "streams:\n  s:\n    format: csv\n    path: s\n    primaryKey: [id]\n    fields: {id: string}\n");
    EnvConfig env = EnvConfig.load(conf, "local");
    String text = JobCommand.describe(env, TenantConfig.load(conf, "t", env));
    assertFalse(text.contains("hunter2"), text);
    assertFalse(text.contains("abc123"), text);
    assertTrue(text.contains("catalog.jdbc.user=cdp"), text);
    assertTrue(text.contains("spark.sql.shuffle.partitions=8"), text);
    assertTrue(text.indexOf("catalog=") < text.indexOf("warehouse="), text);
  }
}
