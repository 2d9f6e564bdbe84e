package io.lakecdp.common.job;

import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A test hook for crash windows: every durable step a job takes (an Iceberg commit, a delivered file set, a manifest)
 * reports here, and with the system property {@value #PROPERTY} = N the job stops right after its N-th step, as if
 * killed there. Mode {@value #MODE} = {@code halt} (default) ends the JVM at once with exit code 137, skipping every
 * finally block and shutdown hook; {@code throw} raises {@link SimulatedCrash} (an {@link Error}, which no job code
 * catches) for in-process tests. Without the property this does nothing.
 */
public final class CrashPoints {
  public static final String PROPERTY = "lakecdp.test.crash-after-step";
  public static final String MODE = "lakecdp.test.crash-mode";
  private static final Logger LOG = LoggerFactory.getLogger(CrashPoints.class);
  private static final AtomicInteger STEPS = new AtomicInteger();

  private CrashPoints() {}

  /** A simulated kill, for in-process tests. */
  public static final class SimulatedCrash extends Error {
    public SimulatedCrash(String message) {
      super(message);
    }
  }

  /** Reports a durable step; stops here when it is the configured one. */
  public static void reached(String step) {
    String limit = System.getProperty(PROPERTY);
    if (limit == null) {
      return;
    }
    int n = STEPS.incrementAndGet();
    LOG.info("Durable step {}: {}", n, step);
    if (n == Integer.parseInt(limit.strip())) {
      String message = "simulated crash after durable step " + n + " (" + step + ")";
      if ("throw".equals(System.getProperty(MODE))) {
        throw new SimulatedCrash(message);
      }
      System.err.println("lakecdp: " + message);
      System.err.flush();
      Runtime.getRuntime().halt(137);
    }
  }

  /** Starts counting again (in-process tests run several jobs in one JVM). */
  public static void reset() {
    STEPS.set(0);
  }
}
