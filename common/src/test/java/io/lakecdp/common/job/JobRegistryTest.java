package io.lakecdp.common.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class JobRegistryTest {
  @Test
  void unknownJobListsTheValidOnes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JobRegistry.get("dlo-wrte"));
    assertEquals("Unknown job 'dlo-wrte'. Valid jobs: " + String.join(", ", JobRegistry.all().keySet()), e.getMessage());
  }

  @Test
  void everyJobPointsAtAModuleOfTheBuild() throws Exception {
    Path root = Path.of(System.getProperty("lakecdp.repo.root", ".."));
    String pom = Files.readString(root.resolve("pom.xml"));
    JsonNode jobs = Json.mapper().readTree(JobRegistry.toJson());
    assertEquals(JobRegistry.all().size(), jobs.size());
    for (JsonNode job : jobs) {
      String module = job.get("module").asText();
      assertTrue(pom.contains("<module>" + module + "</module>"), module + " is not a module of the root pom");
      assertTrue(job.get("jar").asText().startsWith(module + "/target/"), job.toString());
    }
  }

  @Test
  void pipelineStagesAreRegisteredJobsInDependencyOrder() throws Exception {
    JsonNode stages = Json.mapper().readTree(JobRegistry.pipelineJson());
    java.util.List<String> names = new java.util.ArrayList<>();
    for (JsonNode st : stages) {
      JobSpec job = JobRegistry.get(st.get("job").asText());
      assertEquals(job.mainClass(), st.get("mainClass").asText());
      assertEquals(job.jarPath(), st.get("jar").asText());
      names.add(st.get("stage").asText());
    }
    assertEquals(java.util.List.of("ingest", "ingest-stream", "transform", "identity-resolution", "calculated-insights",
        "segmentation", "activation", "maintain"), names);
  }

  @Test
  void emrStepsRunEachStageWithItsRegisteredClassAndJar() throws Exception {
    JsonNode steps = Json.mapper().readTree(JobRegistry.emrSteps("acme", "s3://bucket/lakecdp/", "r1", null));
    assertEquals(JobRegistry.PIPELINE.size(), steps.size());
    for (int i = 0; i < steps.size(); i++) {
      JobRegistry.Stage stage = JobRegistry.PIPELINE.get(i);
      JobSpec job = JobRegistry.get(stage.job());
      JsonNode step = steps.get(i);
      assertEquals("command-runner.jar", step.get("Jar").asText());
      java.util.List<String> args = new java.util.ArrayList<>();
      step.get("Args").forEach(a -> args.add(a.asText()));
      assertEquals(java.util.List.of("spark-submit", "--deploy-mode", "cluster", "--class", job.mainClass(),
          "s3://bucket/lakecdp/jars/" + Path.of(job.jarPath()).getFileName()), args.subList(0, 6));
      assertEquals(stage.args(), args.subList(6, 6 + stage.args().size()));
      assertEquals("acme", args.get(args.indexOf("--tenant") + 1));
      assertEquals("r1-" + stage.name(), args.get(args.indexOf("--run-id") + 1));
    }
    assertEquals(2, Json.mapper().readTree(JobRegistry.emrSteps("acme", "s3://b", "r1",
        java.util.List.of("segmentation", "activation"))).size());
  }
}
