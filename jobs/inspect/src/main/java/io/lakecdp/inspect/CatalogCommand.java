package io.lakecdp.inspect;

import io.lakecdp.common.config.ConfigException;
import io.lakecdp.common.config.EnvConfig;
import io.lakecdp.common.config.TenantConfig;
import io.lakecdp.common.job.ExitCodes;
import io.lakecdp.common.job.Json;
import io.lakecdp.common.lake.TenantTables;
import io.lakecdp.common.model.ModelViews;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.BaseTable;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Catalog administration. {@code migrate} registers every table of a tenant that one environment's catalog holds
 * in another environment's catalog (Iceberg's register-table: the new catalog points at the same metadata file, no
 * data is copied), so a laptop's file-based warehouse can move to a catalog service such as the PostgreSQL JDBC
 * catalog. Tables the target already has at the same metadata are left alone (a rerun does nothing); one the target
 * has with other metadata is reported and left alone, never overwritten.
 */
@Command(name = "catalog", mixinStandardHelpOptions = true,
    description = "Catalog administration.", subcommands = {CatalogCommand.Migrate.class, CatalogCommand.Views.class})
public class CatalogCommand implements Callable<Integer> {
  @Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(new CommandLine(new CatalogCommand()).execute(args));
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCodes.INVALID_INPUT;
  }

  /** {@code catalog views}: the tenant's model views refreshed by hand (jobs refresh them after their writes). */
  @Command(name = "views", mixinStandardHelpOptions = true,
      description = {"Create or replace the tenant's model views (<tenant>_dmo: DMOs, unified objects, insights, "
          + "memberships), each with a Spark and a Trino SQL representation. Catalogs without views: nothing to do."})
  static final class Views implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--tenant", required = true, description = "Tenant whose views to refresh.")
    String tenant;

    @Option(names = "--env", defaultValue = "${env:LAKECDP_ENV:-local}",
        description = "Environment file in the conf folder, without .yaml (default: $LAKECDP_ENV or local).")
    String env;

    @Option(names = "--conf", defaultValue = "${env:LAKECDP_CONF:-conf}",
        description = "Configuration folder holding <env>.yaml and tenants/ (default: $LAKECDP_CONF or ./conf).")
    Path confDir;

    @Override
    public Integer call() throws IOException {
      long start = System.currentTimeMillis();
      ModelViews.Refresh refresh;
      try {
        EnvConfig envConfig = EnvConfig.load(confDir, env).forTenant(confDir, tenant);
        refresh = ModelViews.refresh(envConfig, TenantConfig.load(confDir, tenant, envConfig));
      } catch (ConfigException e) {
        spec.commandLine().getErr().println("ERROR " + e.getMessage());
        return ExitCodes.INVALID_INPUT;
      }
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("lakecdp_summary", 1);
      summary.put("job", "catalog views");
      summary.put("tenant", tenant);
      summary.put("status", "succeeded");
      summary.put("views_supported", refresh.supported());
      summary.put("created", refresh.created());
      summary.put("replaced", refresh.replaced());
      summary.put("unchanged", refresh.unchanged());
      summary.put("duration_ms", System.currentTimeMillis() - start);
      spec.commandLine().getOut().println(Json.mapper().writeValueAsString(summary));
      spec.commandLine().getOut().flush();
      return ExitCodes.OK;
    }
  }

  /** {@code catalog migrate}: the tenant's tables of one catalog registered in another. */
  @Command(name = "migrate", mixinStandardHelpOptions = true,
      description = {"Register a tenant's tables of one environment's catalog in another's (no data is copied; the "
          + "target points at the same metadata). Afterwards write through the target only.",
          "Example: catalog migrate --tenant demo --from local --to jdbc"})
  static final class Migrate implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--tenant", required = true, description = "Tenant whose namespaces (<tenant>_dlo, ...) move.")
    String tenant;

    @Option(names = "--from", required = true, paramLabel = "ENV", description = "Environment of the source catalog.")
    String from;

    @Option(names = "--to", required = true, paramLabel = "ENV", description = "Environment of the target catalog.")
    String to;

    @Option(names = "--conf", defaultValue = "${env:LAKECDP_CONF:-conf}",
        description = "Configuration folder holding <env>.yaml and tenants/ (default: $LAKECDP_CONF or ./conf).")
    Path confDir;

    @Option(names = "--dry-run", description = "Say what would be registered, change nothing.")
    boolean dryRun;

    @Override
    public Integer call() throws IOException {
      long start = System.currentTimeMillis();
      EnvConfig source;
      EnvConfig target;
      try {
        if (!tenant.matches("[a-z][a-z0-9_]*")) {
          throw new ConfigException("command line", "--tenant", "'" + tenant + "' is not a tenant name");
        }
        source = EnvConfig.load(confDir, from).forTenant(confDir, tenant);
        target = EnvConfig.load(confDir, to).forTenant(confDir, tenant);
        if (source.icebergCatalogProperties().equals(target.icebergCatalogProperties())) {
          throw new ConfigException(target.file(), "catalog", "--from " + from + " and --to " + to
              + " name the same catalog");
        }
      } catch (ConfigException e) {
        spec.commandLine().getErr().println("ERROR " + e.getMessage());
        return ExitCodes.INVALID_INPUT;
      }
      Map<String, Object> registered = new LinkedHashMap<>();
      List<String> unchanged = new ArrayList<>();
      List<String> conflicts = new ArrayList<>();
      Catalog in = open(source);
      Catalog out = open(target);
      try {
        for (String layer : TenantTables.LAYERS) {
          Namespace ns = Namespace.of(tenant + "_" + layer);
          if (!((SupportsNamespaces) in).namespaceExists(ns)) {
            continue;
          }
          for (TableIdentifier id : in.listTables(ns)) {
            String metadata = metadataLocation(in.loadTable(id));
            if (out.tableExists(id)) {
              if (metadataLocation(out.loadTable(id)).equals(metadata)) {
                unchanged.add(id.toString());
              } else {
                conflicts.add(id.toString());
                spec.commandLine().getErr().println("WARN " + id + " exists in the " + to + " catalog with other "
                    + "metadata: left alone");
              }
              continue;
            }
            if (!dryRun) {
              if (!((SupportsNamespaces) out).namespaceExists(ns)) {
                ((SupportsNamespaces) out).createNamespace(ns);
              }
              out.registerTable(id, metadata);
            }
            registered.put(id.toString(), metadata);
            spec.commandLine().getErr().println((dryRun ? "would register " : "registered ") + id + " -> " + metadata);
          }
        }
      } finally {
        close(in);
        close(out);
      }
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("lakecdp_summary", 1);
      summary.put("job", "catalog migrate");
      summary.put("tenant", tenant);
      summary.put("status", conflicts.isEmpty() ? "succeeded" : "conflicts");
      summary.put("from", from + " (" + source.catalogType().name().toLowerCase() + ")");
      summary.put("to", to + " (" + target.catalogType().name().toLowerCase() + ")");
      summary.put("dry_run", dryRun);
      summary.put("registered", registered.size());
      summary.put("already_registered", unchanged.size());
      summary.put("conflicts", conflicts);
      summary.put("duration_ms", System.currentTimeMillis() - start);
      spec.commandLine().getOut().println(Json.mapper().writeValueAsString(summary));
      spec.commandLine().getOut().flush();
      return conflicts.isEmpty() ? ExitCodes.OK : ExitCodes.RUNTIME_FAILURE;
    }

    private static Catalog open(EnvConfig env) {
      return CatalogUtil.buildIcebergCatalog(env.catalogName(), env.icebergCatalogProperties(), new Configuration());
    }

    private static String metadataLocation(Table table) {
      return ((BaseTable) table).operations().current().metadataFileLocation();
    }

    private static void close(Catalog catalog) throws IOException {
      if (catalog instanceof Closeable c) {
        c.close();
      }
    }
  }
}
