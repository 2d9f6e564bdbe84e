package io.lakecdp.demo;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** Command line of the demo data generator. */
@Command(name = "demo-data", mixinStandardHelpOptions = true, sortOptions = false,
    description = """
        Write the demo tenant's landing files: CRM contacts (CSV), web sign-ups (JSON lines),
        point-of-sale customers (CSV with ;), orders and order lines (CSV), e-mail events (JSON lines),
        plus _truth/source_records.csv mapping every source record to its person and
        _truth/hard_negatives.csv: pairs of different people that look alike (household members, twins,
        namesakes, shared throwaway e-mails), which identity resolution must keep apart.
        The same --people and --seed always write the same files.""")
public final class DemoDataMain implements Callable<Integer> {
  @Option(names = "--people", defaultValue = "10000", description = "Number of people (default: ${DEFAULT-VALUE}).") int people;

  @Option(names = "--seed", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).") long seed;

  @Option(names = "--out", defaultValue = "landing/demo", description = "Landing folder to write into (default: ${DEFAULT-VALUE}).") Path out;

  @Option(names = "--rows-per-file", defaultValue = "250000", description = "Rows per landing file (default: ${DEFAULT-VALUE}).") int rowsPerFile;

  @Option(names = "--malformed-rate", defaultValue = "0.002",
      description = "Share of records written malformed, to exercise quarantine (default: ${DEFAULT-VALUE}).")
  double malformedRate;

  @Option(names = "--profiles-only", description = "Write only the profile sources (CRM, web, POS) and the truth files.") boolean profilesOnly;

  @Override
  public Integer call() {
    if (people < 1 || rowsPerFile < 1 || malformedRate < 0 || malformedRate > 1) {
      System.err.println("ERROR --people and --rows-per-file must be positive and --malformed-rate within [0, 1]");
      return 2;
    }
    long start = System.currentTimeMillis();
    DemoDataGenerator.Summary s = new DemoDataGenerator(seed, malformedRate).generate(people, out, rowsPerFile, profilesOnly);
    System.out.printf("{\"lakecdp_summary\":1,\"job\":\"demo-data\",\"out\":\"%s\",\"people\":%d,\"crm_contacts\":%d,"
            + "\"web_signups\":%d,\"pos_customers\":%d,\"orders\":%d,\"order_lines\":%d,\"email_events\":%d,"
            + "\"malformed\":%d,\"duration_ms\":%d}%n", out.toString().replace("\\", "/"), s.people(), s.crm(), s.web(),
        s.pos(), s.orders(), s.orderLines(), s.emailEvents(), s.malformed(), System.currentTimeMillis() - start);
    return 0;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new DemoDataMain()).execute(args));
  }
}
