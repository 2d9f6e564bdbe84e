package io.lakecdp.common.model;

import io.lakecdp.common.config.ConfigException;
import io.lakecdp.common.config.DmoMapping;
import io.lakecdp.common.config.TenantConfig;
import io.lakecdp.common.lake.TenantTables;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tenant's Data Model Objects, resolved at read time. A DMO stores nothing: {@link #dmo} is the
 * union of the projections of every DLO mapped onto it, cast to the DMO's types, so it always
 * reflects the DLOs' current snapshots.
 */
public record DataModel(SparkSession spark, TenantConfig tenant, TenantTables tables) {
  private static final Logger LOG = LoggerFactory.getLogger(DataModel.class);

  public DmoDefinition definition(String name) {
    DmoDefinition def = tenant.dmos().get(name);
    if (def == null) {
      throw new ConfigException(tenant.dir().resolve("mappings.yaml").toString(), "",
          "unknown DMO '" + name + "' (known: " + String.join(", ", tenant.dmos().keySet()) + ")");
    }
    return def;
  }

  /** The DMO as a Dataset with exactly the DMO's schema; empty when nothing maps onto it yet. */
  public Dataset<Row> dmo(String name) {
    DmoDefinition def = definition(name);
    Dataset<Row> union = null;
    for (DmoMapping mapping : tenant.mappings()) {
      if (!mapping.dmo().equals(name)) {
        continue;
      }
      String table = tables.dlo(mapping.dlo());
      if (!spark.catalog().tableExists(table)) {
        LOG.info("DMO {}: DLO {} has no table yet; it contributes no rows", name, table);
        continue;
      }
      Dataset<Row> projected = spark.table(table).select(projection(def, mapping));
      union = union == null ? projected : union.unionByName(projected);
    }
    if (union == null) {
      return spark.createDataFrame(List.of(), def.schema());
    }
    return union;
  }

  private static Column[] projection(DmoDefinition def, DmoMapping mapping) {
    List<Column> cols = new ArrayList<>();
    for (DmoField f : def.fields().values()) {
      Column value;
      if (mapping.fields().containsKey(f.name())) {
        value = functions.col("`" + mapping.fields().get(f.name()) + "`");
      } else if (mapping.constants().containsKey(f.name())) {
        value = nullable(functions.lit(mapping.constants().get(f.name())));
      } else if (f.name().equals(DmoDefinition.DATA_SOURCE_ID) || f.name().equals(DmoDefinition.DATA_SOURCE_OBJECT_ID)) {
        value = nullable(functions.lit(mapping.dlo()));
      } else {
        value = functions.lit(null);
      }
      cols.add(value.cast(f.type()).as(f.name()));
    }
    return cols.toArray(new Column[0]);
  }

  /** Every DMO field is nullable, whichever DLO fills it: a constant must not make the union's schema differ. */
  private static Column nullable(Column constant) {
    return functions.when(functions.lit(true), constant);
  }

  /** Registers every DMO as a temporary view of the same name, so SQL can say {@code FROM Individual}. */
  public List<String> registerViews() {
    List<String> names = new ArrayList<>();
    for (String name : tenant.dmos().keySet()) {
      dmo(name).createOrReplaceTempView(name);
      names.add(name);
    }
    return names;
  }
}
