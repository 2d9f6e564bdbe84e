package io.lakecdp.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The run summary's details of identity resolution: the names and values its readers (report, pipeline) use. */
class ResultDetailsTest {
  @Test
  void detailsNameEveryFigureInSnakeCaseWithTheDerivedRates() {
    IdentityResolutionJob.Result r = new IdentityResolutionJob.Result(false, "incremental", 100, 80, 4, 300, 40, 3,
        1, 2, 70, 5, 1, 6, 9, Map.of("unified_individual", 7L), Map.of("candidates_and_scoring", 1500L),
        Map.of("driver", 2L), "abc", null);
    Map<String, Object> d = r.details();
    assertEquals(100L, d.get("source_profiles"));
    assertEquals(80L, d.get("unified_profiles"));
    assertEquals(3L, d.get("cc_iterations"));
    assertEquals(70L, d.get("unified_ids_kept_from_previous_run"));
    assertEquals("incremental", d.get("mode"));
    assertEquals(5L, d.get("profiles_changed"));
    assertEquals(1L, d.get("profiles_deleted"));
    assertEquals(6L, d.get("clusters_touched"));
    assertEquals(9L, d.get("units_searched"));
    assertEquals(Map.of("unified_individual", 7L), d.get("rows_rewritten"));
    assertEquals(Map.of("candidates_and_scoring", 1500L), d.get("stage_ms"));
    assertEquals("abc", d.get("input_fingerprint"));
    assertEquals(0.2, (double) d.get("consolidation_rate"), 1e-9);
    assertEquals(3.0, (double) d.get("candidate_pairs_per_record"), 1e-9);
    assertEquals(200.0, (double) d.get("pairs_scored_per_second"), 1e-9);
    assertNull(d.get("skipped"));
    assertFalse(d.containsKey("match_model"), "no model: left out");
    for (String internal : List.of("iterations", "kept_ids", "stage_millis", "fingerprint", "model")) {
      assertFalse(d.containsKey(internal), internal);
    }
  }

  @Test
  void aSkippedRunSaysWhy() {
    IdentityResolutionJob.Result r = new IdentityResolutionJob.Result(true, "skipped", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, Map.of(), Map.of(), Map.of(), "f", Map.of("file", "x"));
    assertEquals(io.lakecdp.common.job.JobResult.INPUTS_UNCHANGED, r.details().get("skipped"));
    assertEquals(Map.of("file", "x"), r.details().get("match_model"));
  }
}
