package io.lakecdp.segmentation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakecdp.common.config.EnvConfig;
import io.lakecdp.common.config.TenantConfig;
import io.lakecdp.common.config.definition.SegmentDefinition;
import io.lakecdp.common.config.definition.Waterfall;
import io.lakecdp.common.job.JobContext;
import io.lakecdp.common.testing.JobRun;
import io.lakecdp.common.testing.TestConf;
import io.lakecdp.common.testing.TestSpark;
import java.nio.file.Path;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The segment compiler and publisher over a small tenant written directly (unified individuals, their
 * links, orders, e-mail events, an insight). Every expected membership is computed in plain Java
 * from the same rows.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SegmentationTest {
  static final String TENANT = "segt";
  static final String AS_OF = "2025-06-30";
  static final Timestamp AS_OF_TS = Timestamp.valueOf(LocalDateTime.of(2025, 6, 30, 0, 0));
  static TestConf conf;
  static final List<Person> PEOPLE = new ArrayList<>();
  static final List<Order> ORDERS = new ArrayList<>();
  static final Map<String, Double> SPEND = new HashMap<>();

  record Person(String id, String first, String last, String city, Date birth, Integer score) {}

  record Order(String id, String party, String status, double amount, Timestamp at) {}

  static final String[] CITIES = {"Boston", "Denver", "Austin", null};
  static final String[] LAST = {"Smith", "Stone", "Miller", "Ashford"};

  @BeforeAll
  static void setUp(@TempDir Path dir) {
    conf = TestConf.salesOrders(dir, TENANT);
    java.util.SplittableRandom r = new java.util.SplittableRandom(11);
    for (int i = 0; i < 60; i++) {
      PEOPLE.add(new Person(String.format("U%03d", i), "P" + i, LAST[i % 4], CITIES[r.nextInt(4)],
          i % 7 == 0 ? null : Date.valueOf(LocalDate.of(1960 + r.nextInt(40), 1 + r.nextInt(12), 1 + r.nextInt(28))),
          i % 5 == 0 ? null : r.nextInt(100)));
    }
    for (int i = 0; i < 400; i++) {
      Person p = PEOPLE.get(r.nextInt(PEOPLE.size()));
      ORDERS.add(new Order("O" + i, "I-" + p.id(), r.nextInt(10) < 8 ? "completed" : "returned",
          Math.round(r.nextDouble() * 12000) / 100.0, Timestamp.valueOf(LocalDateTime.of(2025, 6, 30, 0, 0)
              .minusHours(r.nextInt(24 * 120)))));
    }
    writeAll(PEOPLE);
  }

  static void writeAll(List<Person> people) {
    SparkSession spark = TestSpark.session();
    for (String ns : List.of("_dlo", "_unified", "_cio")) {
      spark.sql("CREATE NAMESPACE IF NOT EXISTS lake." + TENANT + ns);
    }
    StructType ui = new StructType().add("unified_id", DataTypes.StringType).add("first_name", DataTypes.StringType)
        .add("last_name", DataTypes.StringType).add("city", DataTypes.StringType).add("birth_date", DataTypes.DateType)
        .add("score", DataTypes.IntegerType);
    spark.createDataFrame(people.stream().map(p -> RowFactory.create(p.id(), p.first(), p.last(), p.city(), p.birth(),
        p.score())).toList(), ui).writeTo("lake." + TENANT + "_unified.unified_individual").createOrReplace();
    StructType link = new StructType().add("record_id", DataTypes.StringType).add("unified_id", DataTypes.StringType)
        .add("individual_id", DataTypes.StringType);
    spark.createDataFrame(people.stream().map(p -> RowFactory.create("crm:I-" + p.id(), p.id(), "I-" + p.id())).toList(),
        link).writeTo("lake." + TENANT + "_unified.unified_link_individual").createOrReplace();
    StructType orders = new StructType().add("order_id", DataTypes.StringType).add("customer_id", DataTypes.StringType)
        .add("status", DataTypes.StringType).add("total_amount", DataTypes.DoubleType)
        .add("order_ts", DataTypes.TimestampType);
    spark.createDataFrame(ORDERS.stream().map(o -> RowFactory.create(o.id(), o.party(), o.status(), o.amount(), o.at()))
        .toList(), orders).writeTo("lake." + TENANT + "_dlo.orders").createOrReplace();
    SPEND.clear();
    for (Order o : ORDERS) {
      if (o.status().equals("completed")) {
        SPEND.merge(o.party().substring(2), o.amount(), Double::sum);
      }
    }
    StructType cp = new StructType().add("unified_id", DataTypes.StringType).add("value", DataTypes.StringType);
    spark.createDataFrame(people.stream().filter(p -> p.score() != null).map(p -> RowFactory.create(p.id(),
        p.first().toLowerCase() + (p.score() % 2 == 0 ? "@gmail.com" : "@example.org"))).toList(), cp)
        .writeTo("lake." + TENANT + "_unified.unified_contact_point_email").createOrReplace();
    StructType cv = new StructType().add("unified_id", DataTypes.StringType).add("lifetime_spend", DataTypes.DoubleType);
    spark.createDataFrame(SPEND.entrySet().stream().map(e -> RowFactory.create(e.getKey(), e.getValue())).toList(), cv)
        .writeTo("lake." + TENANT + "_cio.customer_value").createOrReplace();
  }

  static void segment(String id, String yaml) {
    conf.tenantFile("segments/" + id + ".yaml", yaml);
  }

  static void removeSegments() throws Exception {
    Path dir = conf.tenantDir().resolve("segments");
    if (java.nio.file.Files.isDirectory(dir)) {
      try (var s = java.nio.file.Files.list(dir)) {
        for (Path p : s.toList()) {
          java.nio.file.Files.delete(p);
        }
      }
    }
    java.nio.file.Files.deleteIfExists(conf.tenantDir().resolve("waterfalls/w.yaml"));
  }

  /** Members of every segment, computed through the job's own compile path (nothing written). */
  static Map<String, Set<String>> compute(List<String> ids) {
    EnvConfig env = EnvConfig.load(conf.confDir(), "local");
    TenantConfig tenant = TenantConfig.load(conf.confDir(), TENANT, env);
    List<SegmentDefinition> defs = SegmentDefinition.loadAll(tenant.dir().resolve("segments"));
    List<Waterfall> waterfalls = Waterfall.loadAll(tenant.dir().resolve("waterfalls"),
        defs.stream().map(SegmentDefinition::id).collect(Collectors.toSet()));
    JobContext ctx = new JobContext("segmentation", "test", env, tenant, TestSpark.session());
    SegmentationJob job = new SegmentationJob(ctx, defs, waterfalls, AS_OF_TS);
    Map<String, Set<String>> out = new LinkedHashMap<>();
    ids.forEach(id -> out.put(id, new TreeSet<>()));
    for (Row r : job.compute(ids).members().collectAsList()) {
      out.get(r.getString(r.fieldIndex("segment_id"))).add(r.getString(r.fieldIndex("member_id")));
    }
    return out;
  }

  static Set<String> expected(Predicate<Person> p) {
    return PEOPLE.stream().filter(p).map(Person::id).collect(Collectors.toCollection(TreeSet::new));
  }

  static JobRun run(String command, String... args) {
    List<String> all = new ArrayList<>(List.of("--tenant", TENANT, "--conf", conf.confDir().toString(), "--as-of", AS_OF));
    all.addAll(List.of(args));
    SegmentationCommand c = command.equals("publish") ? new SegmentationCommand.PublishCommand()
        : new SegmentationCommand.ExplainCommand();
    return JobRun.of(c, all.toArray(new String[0]));
  }

  @Test
  @org.junit.jupiter.api.Order(1)
  void everyAttributeOperator() throws Exception {
    removeSegments();
    Map<String, String> leaves = new LinkedHashMap<>();
    Map<String, Predicate<Person>> truth = new LinkedHashMap<>();
    leaves.put("op_eq", "{field: city, op: eq, value: Boston}");
    truth.put("op_eq", p -> "Boston".equals(p.city()));
    leaves.put("op_ne", "{field: city, op: ne, value: Boston}");
    truth.put("op_ne", p -> p.city() != null && !p.city().equals("Boston"));
    leaves.put("op_in", "{field: city, op: in, values: [Boston, Austin]}");
    truth.put("op_in", p -> Set.of("Boston", "Austin").contains(String.valueOf(p.city())));
    leaves.put("op_not_in", "{field: city, op: not_in, values: [Boston, Austin]}");
    truth.put("op_not_in", p -> p.city() != null && !Set.of("Boston", "Austin").contains(p.city()));
    leaves.put("op_gt", "{field: score, op: gt, value: 50}");
    truth.put("op_gt", p -> p.score() != null && p.score() > 50);
    leaves.put("op_gte", "{field: score, op: gte, value: 50}");
    truth.put("op_gte", p -> p.score() != null && p.score() >= 50);
    leaves.put("op_lt", "{field: score, op: lt, value: 20}");
    truth.put("op_lt", p -> p.score() != null && p.score() < 20);
    leaves.put("op_lte", "{field: score, op: lte, value: 20}");
    truth.put("op_lte", p -> p.score() != null && p.score() <= 20);
    leaves.put("op_between", "{field: score, op: between, values: [30, 60]}");
    truth.put("op_between", p -> p.score() != null && p.score() >= 30 && p.score() <= 60);
    leaves.put("op_contains", "{field: last_name, op: contains, value: TON}");
    truth.put("op_contains", p -> p.last().toLowerCase().contains("ton"));
    leaves.put("op_starts_with", "{field: last_name, op: starts_with, value: s}");
    truth.put("op_starts_with", p -> p.last().toLowerCase().startsWith("s"));
    leaves.put("op_is_null", "{field: birth_date, op: is_null}");
    truth.put("op_is_null", p -> p.birth() == null);
    leaves.put("op_is_not_null", "{field: birth_date, op: is_not_null}");
    truth.put("op_is_not_null", p -> p.birth() != null);
    leaves.put("op_before", "{field: birth_date, op: before, value: '1980-01-01'}");
    truth.put("op_before", p -> p.birth() != null && p.birth().toLocalDate().isBefore(LocalDate.of(1980, 1, 1)));
    leaves.put("op_after", "{field: birth_date, op: after, value: '1980-01-01'}");
    truth.put("op_after", p -> p.birth() != null && p.birth().toLocalDate().isAfter(LocalDate.of(1980, 1, 1)));
    Person someone = PEOPLE.stream().filter(p -> p.birth() != null).findFirst().orElseThrow();
    leaves.put("op_on", "{field: birth_date, op: on, value: '" + someone.birth() + "'}");
    truth.put("op_on", p -> someone.birth().equals(p.birth()));
    leaves.put("op_within_last", "{field: birth_date, op: within_last, days: 14000}");
    truth.put("op_within_last", p -> p.birth() != null && !p.birth().toLocalDate().isBefore(LocalDate.of(2025, 6, 30)
        .minusDays(14000)));
    leaves.forEach((id, leaf) -> segment(id, "include:\n  attribute: " + leaf + "\n"));
    Map<String, Set<String>> actual = compute(new ArrayList<>(leaves.keySet()));
    for (String id : leaves.keySet()) {
      Set<String> want = expected(truth.get(id));
      assertEquals(want, actual.get(id), id);
      assertTrue(id.equals("op_on") || (!want.isEmpty() && want.size() < PEOPLE.size()), id + " must discriminate");
    }
  }

  /** Orders of the person (completed, amount over a floor, within days of the as-of time). */
  static long orders(Person p, double over, int days) {
    Timestamp from = Timestamp.valueOf(LocalDateTime.of(2025, 6, 30, 0, 0).minusDays(days));
    return ORDERS.stream().filter(o -> o.party().equals("I-" + p.id()) && o.status().equals("completed")
        && o.amount() > over && !o.at().before(from) && !o.at().after(AS_OF_TS)).count();
  }

  @Test
  @org.junit.jupiter.api.Order(2)
  void nestingRelatedAggregatesInsightsSegmentsAndExclusions() throws Exception {
    removeSegments();
    segment("recent_buyers", """
        include:
          related:
            object: SalesOrder
            where:
              all:
                - attribute: {field: OrderStatus, op: eq, value: completed}
                - attribute: {field: TotalAmount, op: gt, value: 50}
            window: {field: OrderDate, withinLastDays: 30}
            aggregate: {function: count, op: gte, value: 2}
        """);
    segment("lapsed", """
        include:
          related: {object: SalesOrder, where: {attribute: {field: OrderStatus, op: eq, value: completed}},
            window: {field: OrderDate, withinLastDays: 20}, aggregate: {function: count, op: eq, value: 0}}
        """);
    segment("big_spend_sum", """
        include:
          related:
            object: SalesOrder
            where: {attribute: {field: OrderStatus, op: eq, value: completed}}
            aggregate: {function: sum, field: TotalAmount, op: gt, value: 400}
        """);
    segment("vip", """
        include:
          all:
            - any:
                - insight: {name: customer_value, field: lifetime_spend, op: gt, value: 500}
                - segment: {id: recent_buyers}
            - not: {attribute: {field: city, op: eq, value: Denver}}
        exclude:
          attribute: {field: last_name, op: eq, value: Miller}
        """);
    segment("gmail_or_returner", """
        include:
          any:
            - attribute: {object: UnifiedContactPointEmail, field: value, op: contains, value: gmail}
            - attribute: {object: SalesOrder, field: OrderStatus, op: eq, value: returned}
        """);
    Map<String, Set<String>> actual = compute(List.of("recent_buyers", "lapsed", "big_spend_sum", "vip",
        "gmail_or_returner"));
    assertEquals(expected(p -> (p.score() != null && p.score() % 2 == 0) || ORDERS.stream()
        .anyMatch(o -> o.party().equals("I-" + p.id()) && o.status().equals("returned"))), actual.get("gmail_or_returner"));
    Set<String> recent = expected(p -> orders(p, 50, 30) >= 2);
    assertEquals(recent, actual.get("recent_buyers"));
    assertEquals(expected(p -> orders(p, Double.NEGATIVE_INFINITY, 20) == 0), actual.get("lapsed"));
    assertEquals(expected(p -> SPEND.getOrDefault(p.id(), 0.0) > 400), actual.get("big_spend_sum"));
    Set<String> vip = expected(p -> (SPEND.getOrDefault(p.id(), 0.0) > 500 || recent.contains(p.id()))
        && !"Denver".equals(p.city()) && !p.last().equals("Miller"));
    assertEquals(vip, actual.get("vip"));
    for (String id : List.of("recent_buyers", "lapsed", "big_spend_sum", "vip")) {
      assertFalse(actual.get(id).isEmpty(), id);
      assertTrue(actual.get(id).size() < PEOPLE.size(), id);
    }
  }

  @Test
  @org.junit.jupiter.api.Order(3)
  void waterfallAndHoldout() throws Exception {
    removeSegments();
    segment("w_boston", "include:\n  attribute: {field: city, op: eq, value: Boston}\nholdoutPercent: 30\n");
    segment("w_smith", "include:\n  attribute: {field: last_name, op: starts_with, value: S}\n");
    conf.tenantFile("waterfalls/w.yaml", "segments: [w_boston, w_smith]\n");
    Map<String, Set<String>> actual = compute(List.of("w_boston", "w_smith"));
    Set<String> boston = expected(p -> "Boston".equals(p.city()));
    assertEquals(boston, actual.get("w_boston"));
    assertEquals(expected(p -> p.last().startsWith("S") && !"Boston".equals(p.city())), actual.get("w_smith"));

    JobRun first = run("publish");
    assertEquals(0, first.exitCode(), first.err());
    JobRun second = run("publish");
    assertEquals(0, second.exitCode(), second.err());
    SparkSession spark = TestSpark.session();
    Set<String> holdout1 = new HashSet<>();
    spark.table("lake." + TENANT + "_seg.membership_latest").filter("segment_id = 'w_boston' AND holdout")
        .collectAsList().forEach(r -> holdout1.add(r.getString(1)));
    long holdouts = first.summary().at("/details/segments/w_boston/holdout").asLong();
    assertEquals(holdouts, holdout1.size());
    assertTrue(holdouts > 0 && holdouts < boston.size(), "30% holdout of " + boston.size() + ": " + holdouts);
    assertEquals(holdouts, second.summary().at("/details/segments/w_boston/holdout").asLong(),
        "the same members are held out on every publish");
    assertEquals(0, spark.table("lake." + TENANT + "_seg.membership_latest").filter("segment_id = 'w_smith' AND holdout").count());
  }

  /** With the changes compared on the driver (small publishes, the default) and in Spark (a limit of 0 rows). */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"200000", "0"})
  @org.junit.jupiter.api.Order(4)
  void historyAcrossThreePublishes(String driverDiffRows) throws Exception {
    TestSpark.session().conf().set("spark.lakecdp.segmentation.driverDiffRows", driverDiffRows);
    try {
      historyAcrossThreePublishes();
    } finally {
      TestSpark.session().conf().unset("spark.lakecdp.segmentation.driverDiffRows");
    }
  }

  private void historyAcrossThreePublishes() throws Exception {
    removeSegments();
    segment("bostonians", "include:\n  attribute: {field: city, op: eq, value: Boston}\nholdoutPercent: 25\n");
    SparkSession spark = TestSpark.session();
    spark.sql("DROP TABLE IF EXISTS lake." + TENANT + "_seg.membership_history");
    spark.sql("DROP TABLE IF EXISTS lake." + TENANT + "_seg.membership_latest");
    spark.sql("DROP TABLE IF EXISTS lake." + TENANT + "_seg.segment_runs");
    Set<String> v1 = expected(p -> "Boston".equals(p.city()));
    JobRun p1 = run("publish", "--run-id", "pub-1");
    assertEquals(0, p1.exitCode(), p1.err());
    // Second publish: two Bostonians move away, two others move in.
    List<Person> moved = new ArrayList<>(PEOPLE);
    List<String> out = v1.stream().limit(2).toList();
    List<String> in = PEOPLE.stream().filter(p -> !"Boston".equals(p.city())).limit(2).map(Person::id).toList();
    moved.replaceAll(p -> out.contains(p.id()) ? new Person(p.id(), p.first(), p.last(), "Denver", p.birth(), p.score())
        : in.contains(p.id()) ? new Person(p.id(), p.first(), p.last(), "Boston", p.birth(), p.score()) : p);
    writeAll(moved);
    JobRun p2 = run("publish", "--run-id", "pub-2");
    assertEquals(0, p2.exitCode(), p2.err());
    JobRun p3 = run("publish", "--run-id", "pub-3");
    assertEquals(0, p3.exitCode(), p3.err());
    JobRun again = run("publish", "--run-id", "pub-3");
    assertEquals(0, again.exitCode(), again.err());
    writeAll(PEOPLE);

    Map<String, Set<String>> added = new HashMap<>();
    Map<String, Set<String>> removed = new HashMap<>();
    for (Row r : spark.table("lake." + TENANT + "_seg.membership_history").collectAsList()) {
      (r.getString(r.fieldIndex("change")).equals("added") ? added : removed)
          .computeIfAbsent(r.getString(r.fieldIndex("publish_id")), k -> new TreeSet<>()).add(r.getString(1));
    }
    assertEquals(v1, added.get("pub-1"));
    assertEquals(new TreeSet<>(in), added.get("pub-2"));
    assertEquals(new TreeSet<>(out), removed.get("pub-2"));
    assertFalse(added.containsKey("pub-3") || removed.containsKey("pub-3"), "an unchanged publish records no change");
    assertEquals(2, p2.summary().at("/details/segments/bostonians/added").asLong());
    assertEquals(2, p2.summary().at("/details/segments/bostonians/removed").asLong());
    assertEquals(v1.size(), p1.summary().at("/details/segments/bostonians/added").asLong());
    assertEquals(0, p1.summary().at("/details/segments/bostonians/removed").asLong());
    for (JobRun p : List.of(p1, p2)) {
      assertEquals(v1.size(), p.summary().at("/details/segments/bostonians/population").asLong(), p.out());
    }
    long heldOut = spark.table("lake." + TENANT + "_seg.membership_latest").filter("segment_id = 'bostonians' AND holdout")
        .count();
    assertTrue(heldOut > 0, "25% holdout");
    assertEquals(heldOut, p2.summary().at("/details/segments/bostonians/holdout").asLong(), p2.out());
    Map<String, Row> runs = new HashMap<>();
    spark.table("lake." + TENANT + "_seg.segment_runs").collectAsList()
        .forEach(r -> runs.put(r.getString(r.fieldIndex("publish_id")), r));
    assertEquals(List.of(2L, 2L, (long) v1.size(), heldOut), List.of(runs.get("pub-2").getLong(runs.get("pub-2").fieldIndex("added")),
        runs.get("pub-2").getLong(runs.get("pub-2").fieldIndex("removed")),
        runs.get("pub-2").getLong(runs.get("pub-2").fieldIndex("population")),
        runs.get("pub-2").getLong(runs.get("pub-2").fieldIndex("holdout"))), "segment_runs of pub-2");
    assertEquals("inputs unchanged since the last successful run", p3.summary().at("/skipped").asText(),
        "nothing changed since pub-2: " + p3.out());
    assertEquals(2, spark.table("lake." + TENANT + "_seg.segment_runs").count(),
        "a publish with every segment unchanged, and a repeated publish id, write nothing");
    Set<String> latest = new TreeSet<>();
    spark.table("lake." + TENANT + "_seg.membership_latest").filter("segment_id = 'bostonians'").collectAsList()
        .forEach(r -> latest.add(r.getString(1)));
    Set<String> v2 = new TreeSet<>(v1);
    v2.removeAll(out);
    v2.addAll(in);
    assertEquals(v2, latest);
  }

  @Test
  @org.junit.jupiter.api.Order(5)
  void explainPrintsCountsAndAMembersConditions() throws Exception {
    removeSegments();
    segment("explained", """
        include:
          all:
            - attribute: {field: city, op: eq, value: Boston}
            - attribute: {field: score, op: gt, value: 10}
        """);
    long boston = PEOPLE.stream().filter(p -> "Boston".equals(p.city())).count();
    long both = PEOPLE.stream().filter(p -> "Boston".equals(p.city()) && p.score() != null && p.score() > 10).count();
    JobRun r = run("explain", "--segment", "explained");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("city eq Boston: " + boston), r.out());
    assertTrue(r.out().contains("=> members: " + both), r.out());
    Person member = PEOPLE.stream().filter(p -> "Boston".equals(p.city()) && p.score() != null && p.score() <= 10)
        .findFirst().orElse(PEOPLE.stream().filter(p -> !"Boston".equals(p.city())).findFirst().orElseThrow());
    JobRun m = run("explain", "--segment", "explained", "--member", member.id());
    assertEquals(0, m.exitCode(), m.err());
    assertTrue(m.out().contains("NOT in the segment"), m.out());
    assertTrue(m.out().contains("[fail]"), m.out());
  }

  @Test
  @org.junit.jupiter.api.Order(6)
  void unchangedSegmentsAreSkippedAndAnyChangeRepublishes() throws Exception {
    removeSegments();
    segment("s_boston", "include:\n  attribute: {field: city, op: eq, value: Boston}\n");
    segment("s_recent", """
        include:
          related:
            object: SalesOrder
            window: {field: OrderDate, withinLastDays: 10}
            aggregate: {function: count, op: gte, value: 1}
        """);
    SparkSession spark = TestSpark.session();
    for (String t : List.of("membership_history", "membership_latest", "segment_runs")) {
      spark.sql("DROP TABLE IF EXISTS lake." + TENANT + "_seg." + t);
    }
    JobRun p1 = run("publish", "--run-id", "skip-1");
    assertEquals(0, p1.exitCode(), p1.err());
    assertEquals("published", p1.summary().at("/details/segments/s_boston/status").asText());
    Map<String, Long> snapshots = segSnapshots();

    JobRun p2 = run("publish", "--run-id", "skip-2");
    assertEquals(0, p2.exitCode(), p2.err());
    assertEquals("inputs unchanged since the last successful run", p2.summary().at("/skipped").asText(), p2.out());
    for (String id : List.of("s_boston", "s_recent")) {
      assertEquals("skipped", p2.summary().at("/details/segments/" + id + "/status").asText());
      assertEquals(p1.summary().at("/details/segments/" + id + "/population").asLong(),
          p2.summary().at("/details/segments/" + id + "/population").asLong());
      assertEquals(p1.summary().at("/details/segments/" + id + "/input_fingerprint").asText(),
          p2.summary().at("/details/segments/" + id + "/input_fingerprint").asText());
    }
    assertEquals(snapshots, segSnapshots(), "a publish with nothing changed commits nothing");

    // A later --as-of moves the relative window of s_recent only; s_boston is recorded as skipped in segment_runs.
    JobRun p3 = JobRun.of(new SegmentationCommand.PublishCommand(), "--tenant", TENANT, "--conf",
        conf.confDir().toString(), "--as-of", "2025-06-25", "--run-id", "skip-3");
    assertEquals(0, p3.exitCode(), p3.err());
    assertTrue(p3.summary().at("/skipped").isMissingNode(), p3.out());
    assertEquals("published", p3.summary().at("/details/segments/s_recent/status").asText());
    assertEquals("skipped", p3.summary().at("/details/segments/s_boston/status").asText());
    Map<String, String> status = new HashMap<>();
    Map<String, Long> population = new HashMap<>();
    for (Row r : spark.table("lake." + TENANT + "_seg.segment_runs").filter("publish_id = 'skip-3'").collectAsList()) {
      status.put(r.getAs("segment_id"), r.getAs("status"));
      population.put(r.getAs("segment_id"), r.getAs("population"));
    }
    assertEquals(Map.of("s_boston", "skipped", "s_recent", "published"), status);
    assertEquals(p1.summary().at("/details/segments/s_boston/population").asLong(), population.get("s_boston"),
        "a skipped segment's population carries over, so the history has no hole");
    assertEquals(expected(p -> "Boston".equals(p.city())).size(), population.get("s_boston"));
    Set<String> recent = new TreeSet<>();
    Timestamp from = Timestamp.valueOf(LocalDateTime.of(2025, 6, 15, 0, 0));
    Timestamp to = Timestamp.valueOf(LocalDateTime.of(2025, 6, 25, 0, 0));
    ORDERS.stream().filter(o -> !o.at().before(from) && !o.at().after(to)).forEach(o -> recent.add(o.party().substring(2)));
    Set<String> published = new TreeSet<>();
    spark.table("lake." + TENANT + "_seg.membership_latest").filter("segment_id = 's_recent'").collectAsList()
        .forEach(r -> published.add(r.getString(1)));
    assertEquals(recent, published, "the moved window's members");

    // A new snapshot of an input (the unified profiles) republishes both; --force republishes what is unchanged.
    writeAll(PEOPLE);
    JobRun p4 = run("publish", "--run-id", "skip-4");
    assertEquals("published", p4.summary().at("/details/segments/s_boston/status").asText(), p4.out());
    assertEquals("published", p4.summary().at("/details/segments/s_recent/status").asText(), p4.out());
    JobRun p5 = run("publish", "--run-id", "skip-5", "--force");
    assertEquals("published", p5.summary().at("/details/segments/s_boston/status").asText(), p5.out());
    // A changed definition republishes that segment only.
    segment("s_boston", "include:\n  attribute: {field: city, op: in, values: [Boston, Austin]}\n");
    JobRun p6 = run("publish", "--run-id", "skip-6");
    assertEquals("published", p6.summary().at("/details/segments/s_boston/status").asText(), p6.out());
    assertEquals("skipped", p6.summary().at("/details/segments/s_recent/status").asText(), p6.out());
    assertEquals(expected(p -> Set.of("Boston", "Austin").contains(String.valueOf(p.city()))).size(),
        p6.summary().at("/details/segments/s_boston/population").asLong());
  }

  /**
   * A kill after each commit of a publish (membership_latest, membership_history, segment_runs, job_runs), then a
   * rerun with the same publish id or with a new one: the tables end exactly as after an undisturbed publish.
   */
  @Test
  @org.junit.jupiter.api.Order(7)
  void killedAfterEachCommitRerunsToTheUndisturbedPublish() throws Exception {
    removeSegments();
    segment("c_boston", "include:\n  attribute: {field: city, op: eq, value: Boston}\nholdoutPercent: 25\n");
    segment("c_s", "include:\n  attribute: {field: last_name, op: starts_with, value: S}\n");
    Map<String, Set<String>> undisturbed = null;
    for (int k = 0; k <= 4; k++) {
      for (String rerunId : k == 0 ? List.of("crash") : List.of("crash", "crash-next")) {
        SparkSession spark = TestSpark.session();
        for (String t : List.of("membership_history", "membership_latest", "segment_runs")) {
          spark.sql("DROP TABLE IF EXISTS lake." + TENANT + "_seg." + t);
        }
        if (k > 0) {
          System.setProperty(io.lakecdp.common.job.CrashPoints.PROPERTY, String.valueOf(k));
          System.setProperty(io.lakecdp.common.job.CrashPoints.MODE, "throw");
          io.lakecdp.common.job.CrashPoints.reset();
          try {
            org.junit.jupiter.api.Assertions.assertThrows(io.lakecdp.common.job.CrashPoints.SimulatedCrash.class,
                () -> run("publish", "--run-id", "crash"), "a kill after commit " + k);
          } finally {
            System.clearProperty(io.lakecdp.common.job.CrashPoints.PROPERTY);
            System.clearProperty(io.lakecdp.common.job.CrashPoints.MODE);
          }
        }
        JobRun r = run("publish", "--run-id", rerunId);
        assertEquals(0, r.exitCode(), r.err());
        Map<String, Set<String>> state = publishedState();
        if (k == 0) {
          undisturbed = state;
          assertEquals(2, state.get("segment_runs").size());
        } else {
          assertEquals(undisturbed, state, "killed after commit " + k + ", rerun as " + rerunId);
        }
      }
    }
  }

  /** The rows of the three segmentation tables, without times and durations. */
  private static Map<String, Set<String>> publishedState() {
    Map<String, Set<String>> out = new TreeMap<>();
    Map<String, List<String>> columns = Map.of(
        "membership_latest", List.of("segment_id", "member_id", "holdout", "publish_id"),
        "membership_history", List.of("segment_id", "member_id", "change", "publish_id"),
        "segment_runs", List.of("publish_id", "segment_id", "population", "holdout", "added", "removed", "status",
            "input_fingerprint"));
    columns.forEach((table, cols) -> {
      Set<String> rows = new TreeSet<>();
      for (Row r : TestSpark.session().table("lake." + TENANT + "_seg." + table)
          .selectExpr(cols.toArray(new String[0])).collectAsList()) {
        rows.add(r.toString());
      }
      out.put(table, rows);
    });
    return out;
  }

  /** Snapshot count of each segmentation table. */
  private static Map<String, Long> segSnapshots() {
    Map<String, Long> out = new TreeMap<>();
    for (String t : List.of("membership_history", "membership_latest", "segment_runs")) {
      out.put(t, TestSpark.session().table("lake." + TENANT + "_seg." + t + ".snapshots").count());
    }
    return out;
  }

  @Test
  @org.junit.jupiter.api.Order(8)
  void badDefinitionsStopBeforeAnyWork() throws Exception {
    String[][] cases = {
        {"include:\n  all:\n    - attribute: {field: city, op: eq, value: X}\n    - related: {object: SalesOrder, aggregate: {op: gtt, value: 1}}\n",
            "include.all[1].related.aggregate.op: unknown operator 'gtt'"},
        {"include:\n  attribute: {field: town, op: eq, value: X}\n", "include.attribute.field: unknown field 'town'"},
        {"include:\n  related: {object: Purchase}\n", "include.related.object: unknown object 'Purchase'"},
        {"include:\n  related: {object: SalesOrder, where: {attribute: {field: Amount, op: gt, value: 1}}}\n",
            "unknown field 'Amount' of SalesOrder"},
        {"include:\n  insight: {name: nope, field: x, op: gt, value: 1}\n", "no calculated insight 'nope'"},
        {"include:\n  segment: {id: bad}\n", "cycle"},
        {"include:\n  attribute: {field: city, op: between, value: 1}\n", "'between' takes two 'values'"},
        {"include:\n  colour: red\n", "unknown condition 'colour'"},
        {"includ:\n  attribute: {field: city, op: is_null}\n", "unknown field 'includ'"},
        {"include:\n  attribute: {field: city, op: is_null}\nholdoutPercent: ten\n",
            "holdoutPercent: must be a number (a percentage), not 'ten'"},
    };
    for (String[] c : cases) {
      removeSegments();
      segment("bad", c[0]);
      JobRun r = run("publish");
      assertEquals(2, r.exitCode(), c[0] + "\n" + r.err());
      assertTrue(r.err().contains("bad.yaml"), r.err());
      assertTrue(r.err().contains(c[1]), "expected '" + c[1] + "' in: " + r.err());
    }
    removeSegments();
    JobRun unknown = run("explain", "--segment", "ghost");
    assertEquals(2, unknown.exitCode());
    assertTrue(unknown.err().contains("no segment 'ghost'"), unknown.err());
  }
}
