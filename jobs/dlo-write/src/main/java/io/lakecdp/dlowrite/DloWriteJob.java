package io.lakecdp.dlowrite;

import io.lakecdp.common.config.DataStream;
import io.lakecdp.common.job.InvalidInputException;
import io.lakecdp.common.job.JobContext;
import io.lakecdp.ingest.Formulas;
import io.lakecdp.ingest.StreamIngest;
import io.lakecdp.ingest.StreamResult;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batch ingest of a tenant's data streams into their DLO tables. Streams are independent: one that
 * fails does not stop the others, and the run reports every stream's outcome.
 */
public final class DloWriteJob {
  private static final Logger LOG = LoggerFactory.getLogger(DloWriteJob.class);

  private final JobContext ctx;
  private final List<DataStream> streams;

  public DloWriteJob(JobContext ctx, List<DataStream> streams) {
    this.ctx = ctx;
    this.streams = List.copyOf(streams);
  }

  public DloWriteResult run() {
    Formulas.check(ctx.spark(), streams);
    ctx.lake().ensureNamespace(ctx.tables().dloNamespace());
    List<StreamResult> results = new ArrayList<>();
    int i = 0;
    for (DataStream stream : streams) {
      i++;
      if (stream.isKafka()) {
        LOG.info("[{}/{}] stream {}: Kafka topic {}, ingested by the ingest-stream job; skipped here", i, streams.size(),
            stream.name(), stream.streaming().topic());
        continue;
      }
      LOG.info("[{}/{}] stream {} ({} {}, {})", i, streams.size(), stream.name(), stream.format().name().toLowerCase(),
          stream.path(), stream.refresh().name().toLowerCase());
      long start = System.currentTimeMillis();
      try {
        results.add(new StreamIngest(ctx, stream).run());
      } catch (InvalidInputException e) {
        LOG.error("Stream {} rejected: {}", stream.name(), e.getMessage());
        results.add(failed(stream, start, e));
      } catch (RuntimeException e) {
        LOG.error("Stream {} failed", stream.name(), e);
        results.add(failed(stream, start, e));
      }
    }
    return new DloWriteResult(results);
  }

  private static StreamResult failed(DataStream stream, long start, RuntimeException e) {
    String kind = e instanceof InvalidInputException ? "invalid_input" : "failed";
    return new StreamResult(stream.name(), kind, 0, 0, 0, 0, 0, List.of(), System.currentTimeMillis() - start,
        e.getClass().getSimpleName() + ": " + e.getMessage(), null);
  }
}
