package io.lakecdp.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lakecdp.common.job.JobRegistry;
import io.lakecdp.common.job.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What runs outside this machine, checked as far as it can be here: the Airflow DAG file (Airflow itself is not in
 * the package registries, so the DAG is built against stand-ins of its operator classes) and the EMR files.
 */
class DeploymentFilesTest {
  static String python(Path dir, String... args) throws Exception {
    java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("python3", "-B"));
    cmd.addAll(java.util.List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + out);
    return out;
  }

  @Test
  void airflowDagCompilesAndFollowsTheJobRegistry(@TempDir Path tmp) throws Exception {
    Path airflow = DemoTenant.REPO.resolve("scripts/airflow");
    python(airflow, "-c", "import py_compile; py_compile.compile('lakecdp_dag.py', cfile='" + tmp.resolve("dag.pyc")
        + "', doraise=True)");
    Path registry = tmp.resolve("registry.json");
    Files.writeString(registry, JobRegistry.pipelineJson());
    String out = python(airflow, "test_lakecdp_dag.py", registry.toString());
    assertTrue(out.contains("ok: " + JobRegistry.PIPELINE.size() + " stages"), out);
  }

  @Test
  void emrConfigurationsParseAndWireTheBootstrapsJars() throws Exception {
    JsonNode conf = Json.mapper().readTree(Files.readString(DemoTenant.REPO.resolve("emr-bootstrap/configurations.json")));
    JsonNode spark = null;
    for (JsonNode c : conf) {
      if (c.get("Classification").asText().equals("spark-defaults")) {
        spark = c.get("Properties");
      }
    }
    assertTrue(spark != null, "a spark-defaults classification");
    assertEquals("/opt/lakecdp/lib/*", spark.get("spark.driver.extraClassPath").asText());
    assertEquals("org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions,io.lakecdp.common.sql.CdpSqlExtensions", spark.get("spark.sql.extensions").asText());
    String bootstrap = Files.readString(DemoTenant.REPO.resolve("emr-bootstrap/bootstrap.sh"));
    assertTrue(bootstrap.contains("/opt/lakecdp/lib/") && bootstrap.contains("/etc/lakecdp/conf/"), bootstrap);
    // the steps the launcher prints point at the configuration folder the bootstrap installs
    Submit.Result steps = Submit.run("emr-steps", "acme", "s3://bucket/lakecdp", "r1");
    assertEquals(0, steps.exitCode(), steps.err());
    JsonNode json = Json.mapper().readTree(steps.out());
    assertEquals(JobRegistry.PIPELINE.size(), json.size());
    for (JsonNode step : json) {
      assertTrue(step.get("Args").toString().contains("\"--conf\",\"/etc/lakecdp/conf\""), step.toString());
    }
  }
}
