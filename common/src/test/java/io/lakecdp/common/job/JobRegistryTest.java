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
}
