package io.lakecdp.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakecdp.common.job.JobRegistry;
import io.lakecdp.common.job.JobSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The job jars are what users upload: each job starts from its jar through real spark-submit with only Spark on the
 * classpath (no test classpath), and what each jar bundles is compared with a committed baseline so a new transitive
 * dependency is noticed. After an intended change: {@code mvn verify -Dlakecdp.updateJarBaselines=true}.
 */
class JobJarTest {
  static final Path BASELINES = DemoTenant.REPO.resolve("src/test/job-jars");

  @Test
  void everyJobStartsFromItsJarWithOnlySparkOnTheClasspath() {
    List<String> failures = new ArrayList<>();
    for (JobSpec job : JobRegistry.all().values()) {
      Submit.Result r = Submit.run(job.name(), "--help");
      if (r.exitCode() != 0 || !r.out().contains("Usage:")) {
        failures.add(job.name() + " (exit " + r.exitCode() + "): " + r.err() + r.out());
      }
    }
    assertTrue(failures.isEmpty(), String.join("\n", failures));
  }

  @Test
  void jobJarsBundleWhatTheirBaselinesSay() throws Exception {
    boolean update = Boolean.getBoolean("lakecdp.updateJarBaselines");
    List<String> drift = new ArrayList<>();
    for (String jar : new TreeSet<>(JobRegistry.all().values().stream().map(JobSpec::jarPath).toList())) {
      Set<String> packages = packages(DemoTenant.REPO.resolve(jar));
      Path baseline = BASELINES.resolve(Path.of(jar).getFileName().toString().replace(".jar", ".txt"));
      if (update) {
        Files.createDirectories(BASELINES);
        Files.writeString(baseline, String.join("\n", packages) + "\n");
        continue;
      }
      assertTrue(Files.exists(baseline), "no baseline " + baseline + " (run with -Dlakecdp.updateJarBaselines=true)");
      Set<String> expected = new TreeSet<>(Files.readAllLines(baseline));
      expected.remove("");
      if (!expected.equals(packages)) {
        Set<String> added = new TreeSet<>(packages);
        added.removeAll(expected);
        Set<String> removed = new TreeSet<>(expected);
        removed.removeAll(packages);
        drift.add(jar + ": new " + added + ", gone " + removed);
      }
    }
    assertEquals(List.of(), drift, "job jar contents changed; if intended, rerun with -Dlakecdp.updateJarBaselines=true "
        + "and commit src/test/job-jars/");
  }

  @Test
  void productionJarsHoldNoBenchmarkOrTestCode() throws Exception {
    List<String> found = new ArrayList<>();
    for (JobSpec job : JobRegistry.all().values()) {
      if (job.module().startsWith("src/test/")) {
        continue;
      }
      for (String name : classes(DemoTenant.REPO.resolve(job.jarPath()))) {
        if (name.startsWith("io/lakecdp/") && (name.contains("Benchmark") || name.startsWith("io/lakecdp/testsupport/")
            || name.startsWith("io/lakecdp/bench/") || name.contains("GroundTruth"))) {
          found.add(job.jarPath() + ": " + name);
        }
      }
    }
    assertEquals(List.of(), found, "benchmark or test-support classes in production job jars");
  }

  /** Packages (three levels deep) that hold classes in the jar. */
  static Set<String> packages(Path jar) throws Exception {
    Set<String> out = new TreeSet<>();
    for (String name : classes(jar)) {
      String[] parts = name.split("/");
      out.add(String.join(".", java.util.Arrays.copyOf(parts, Math.min(3, parts.length - 1))));
    }
    return out;
  }

  /** The class files of the jar (paths inside it), META-INF left out. */
  static List<String> classes(Path jar) throws Exception {
    List<String> out = new ArrayList<>();
    try (JarFile f = new JarFile(jar.toFile())) {
      for (Enumeration<JarEntry> e = f.entries(); e.hasMoreElements(); ) {
        String name = e.nextElement().getName();
        if (name.endsWith(".class") && !name.startsWith("META-INF/")) {
          out.add(name);
        }
      }
    }
    return out;
  }
}
