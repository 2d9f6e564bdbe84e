package io.lakecdp.segmentation;

import io.lakecdp.common.config.ConfigException;
import io.lakecdp.common.config.EnvConfig;
import io.lakecdp.common.config.TenantConfig;
import io.lakecdp.common.config.definition.SegmentDefinition;
import io.lakecdp.common.config.definition.Waterfall;
import io.lakecdp.common.job.JobCommand;
import io.lakecdp.common.job.JobContext;
import io.lakecdp.common.job.JobGroup;
import io.lakecdp.common.job.JobMain;
import io.lakecdp.common.job.JobResult;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** What publish and explain share: loading and checking segment and waterfall files, --segment and --as-of. */
public abstract class SegmentationCommand extends JobCommand {
  protected SegmentationCommand(String jobName, Trait... traits) {
    super(jobName, traits);
  }

  @Option(names = "--as-of", paramLabel = "TIME",
      description = "Reference time of relative windows (within_last, withinLastDays): yyyy-MM-dd or yyyy-MM-ddTHH:mm:ss, "
          + "UTC (default: now).")
  String asOfText;

  List<SegmentDefinition> segments;
  List<Waterfall> waterfalls;
  Timestamp asOf;

  @Override
  protected void validate(EnvConfig env, TenantConfig tenant) {
    segments = SegmentDefinition.loadAll(tenant.dir().resolve("segments"));
    Set<String> ids = segments.stream().map(SegmentDefinition::id).collect(Collectors.toCollection(TreeSet::new));
    waterfalls = Waterfall.loadAll(tenant.dir().resolve("waterfalls"), ids);
    asOf = parseAsOf(asOfText);
    for (String id : requested()) {
      if (!ids.contains(id)) {
        throw new ConfigException(tenant.dir().resolve("segments").toString(), "--segment", "no segment '" + id
            + "' (segments: " + String.join(", ", ids) + ")");
      }
    }
  }

  /** Segment ids named on the command line. */
  abstract List<String> requested();

  static Timestamp parseAsOf(String text) {
    if (text == null) {
      return Timestamp.from(Instant.now());
    }
    try {
      LocalDateTime t = text.length() == 10 ? LocalDate.parse(text).atStartOfDay() : LocalDateTime.parse(text);
      return Timestamp.from(t.toInstant(ZoneOffset.UTC));
    } catch (RuntimeException e) {
      throw new ConfigException("--as-of", "--as-of", "cannot read '" + text + "' as yyyy-MM-dd or yyyy-MM-ddTHH:mm:ss");
    }
  }

  SegmentationJob job(JobContext ctx) {
    return new SegmentationJob(ctx, segments, waterfalls, asOf);
  }

  /** {@code segmentation}: the group of publish and explain. */
  @Command(name = "segmentation", mixinStandardHelpOptions = true, subcommands = {PublishCommand.class,
      ExplainCommand.class}, description = "Publish segments, or explain one.")
  public static final class Group extends JobGroup {
  }

  public static void main(String[] args) {
    JobMain.exit(new Group(), args);
  }

  /** {@code segmentation publish}. */
  @Command(name = "publish", mixinStandardHelpOptions = true, sortOptions = false,
      description = """
          Compute segments of conf/tenants/<tenant>/segments/<id>.yaml (all, or those named) in one job and publish
          them: <tenant>_seg.membership_latest (each segment's rows replaced atomically), membership_history
          (added/removed per publish) and segment_runs. Waterfalls (conf/tenants/<tenant>/waterfalls/*.yaml) keep a
          member only in the first of their segments; holdoutPercent marks a deterministic control group. A segment
          whose definition, input snapshots and window bounds are those of its last publish is skipped.""")
  public static final class PublishCommand extends SegmentationCommand {
    @Option(names = "--segment", split = ",", paramLabel = "ID", description = "Only these segments (default: all).")
    List<String> only;

    @Option(names = "--force", description = "Publish every segment even when its definition, the snapshots it reads "
        + "and its window bounds are those of its last publish (default: such segments are skipped).")
    boolean force;

    public PublishCommand() {
      super("segmentation", Trait.REFRESHES_MODEL_VIEWS);
    }

    @Override
    List<String> requested() {
      return only == null ? List.of() : only;
    }

    @Override
    protected JobResult execute(JobContext ctx) {
      List<String> ids = only != null ? only : segments.stream().map(SegmentDefinition::id).toList();
      if (ids.isEmpty()) {
        return new SegmentationJob.Result(ctx.runId(), Map.of(), 0);
      }
      return job(ctx).publish(ids, force);
    }
  }

  /** {@code segmentation explain}. */
  @Command(name = "explain", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Print a segment's compiled conditions as a tree with the population at every node; with",
          "--member, whether that member passes each condition. Writes nothing."})
  public static final class ExplainCommand extends SegmentationCommand {
    @Option(names = "--segment", required = true, paramLabel = "ID", description = "The segment to explain.")
    String segment;

    @Option(names = "--member", paramLabel = "ID", description = "A member id (unified id, or Individual id).")
    String member;

    public ExplainCommand() {
      super("segmentation-explain");
    }

    @Override
    List<String> requested() {
      return List.of(segment);
    }

    @Override
    protected JobResult execute(JobContext ctx) {
      SegmentationJob job = job(ctx);
      SegmentationJob.Computed c = job.compute(List.of(segment), false);
      SegmentDefinition s = segments.stream().filter(x -> x.id().equals(segment)).findFirst().orElseThrow();
      java.io.PrintWriter out = spec.commandLine().getOut();
      SegmentExplainer.explain(s, c.compiled().get(segment), member, out);
      for (Waterfall w : waterfalls) {
        int at = w.segments().indexOf(segment);
        if (at > 0) {
          out.printf("  (waterfall %s: members also in %s are published there instead)%n", w.id(),
              String.join(", ", w.segments().subList(0, at)));
        }
      }
      out.flush();
      return JobResult.of(0, 0, Map.of("segment", segment));
    }
  }
}
