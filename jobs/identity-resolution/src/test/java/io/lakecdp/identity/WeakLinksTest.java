package io.lakecdp.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.lakecdp.common.testing.TestSpark;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** A chain held by one weak link is split there; corroborated weak links and weak links to one record hold. */
class WeakLinksTest {
  private static final StructType EDGES = new StructType().add("a", DataTypes.StringType).add("b", DataTypes.StringType)
      .add("rule", DataTypes.StringType).add("scores", DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType));
  private static final double THRESHOLD = 4.0;

  private static Row edge(String a, String b, double weight) {
    return RowFactory.create(a, b, PairScorer.BY_WEIGHT,
        scala.collection.JavaConverters.mapAsScalaMapConverter(Map.of("match_weight", weight)).asScala());
  }

  @Test
  void singleWeakLinksBetweenGroupsAreCut() {
    SparkSession spark = TestSpark.session();
    List<Row> edges = new ArrayList<>(List.of(
        edge("r0", "r1", 20), edge("r2", "r3", 20), edge("r1", "r2", 5),                     // cut: one weak link
        edge("r4", "r5", 20), edge("r6", "r7", 20), edge("r5", "r6", 5), edge("r4", "r7", 6), // two weak links: kept
        edge("r8", "r9", 5),                                                                 // two lone records: kept
        edge("s0", "s1", 20), edge("s1", "s2", 5)));                                         // weak link to one record
    List<Row> nodes = new ArrayList<>();
    for (String id : List.of("r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "s0", "s1", "s2")) {
      nodes.add(RowFactory.create(id));
    }
    Dataset<Row> n = spark.createDataFrame(nodes, new StructType().add(ResolutionEngine.ID, DataTypes.StringType));
    WeakLinks.Split split = WeakLinks.apply(spark, n, spark.createDataFrame(edges, EDGES), THRESHOLD);
    assertEquals(1, split.cut());
    Map<String, String> label = new HashMap<>();
    for (Row r : split.clusters().collectAsList()) {
      label.put(r.getString(0), r.getString(1));
    }
    assertEquals(label.get("r0"), label.get("r1"));
    assertEquals(label.get("r2"), label.get("r3"));
    assertEquals(false, label.get("r1").equals(label.get("r2")), "the single weak link between two pairs is cut");
    assertEquals(label.get("r4"), label.get("r6"), "two weak links corroborate each other");
    assertEquals(label.get("r8"), label.get("r9"));
    assertEquals(label.get("s0"), label.get("s2"));
    assertEquals("r0", label.get("r0"), "a cluster is labelled by its smallest record id");
    assertEquals("r2", label.get("r3"));
    Map<String, String> component = new HashMap<>();
    for (Row r : split.components().collectAsList()) {
      component.put(r.getString(0), r.getString(1));
    }
    for (String id : List.of("r0", "r1", "r2", "r3")) {
      assertEquals("r0", component.get(id), "the cut link still joins the component of every link: " + id);
    }
    assertEquals("r4", component.get("r7"));
    assertEquals("s0", component.get("s2"));
    assertEquals(13, component.size(), "every record has a component");
  }

  @Test
  void strongChainsAreLeftAlone() {
    SparkSession spark = TestSpark.session();
    Dataset<Row> n = spark.createDataFrame(List.of(RowFactory.create("a"), RowFactory.create("b")),
        new StructType().add(ResolutionEngine.ID, DataTypes.StringType));
    assertNull(WeakLinks.apply(spark, n, spark.createDataFrame(List.of(edge("a", "b", 30)), EDGES), THRESHOLD));
  }
}
