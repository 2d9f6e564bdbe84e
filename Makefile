# lakecdp: the commands a user needs. `make help` lists them.
SHELL := /bin/bash
MVN ?= mvn -B
DEMO_PEOPLE ?= 20000
DEMO_SEED ?= 42
DEMO_TENANT ?= demo
MASTER ?= local[*]
export LAKECDP_WAREHOUSE ?= $(CURDIR)/warehouse
export LAKECDP_LANDING ?= $(CURDIR)/landing
export LAKECDP_EXPORTS ?= file://$(CURDIR)/exports

.PHONY: help build demo demo-data test bench clean airflow-json cluster-test postgres postgres-stop trino trino-stop lakehouse lakehouse-stop rest-catalog rest-catalog-stop

help:
	@echo "make demo    build, generate the demo tenant ($(DEMO_PEOPLE) people), ingest, resolve identities, compute insights, publish and activate segments, print what landed"
	@echo "make test    run every test (unit, end-to-end, then the standalone-cluster test); what CI runs"
	@echo "make bench   run the benchmarks (not part of the tests); figures go to docs/BENCHMARKS.md"
	@echo "make build   build the job jars without running tests"
	@echo "make cluster-test   identity resolution on a local standalone cluster (2 worker JVMs), one executor killed"
	@echo "make postgres       start a local PostgreSQL for the JDBC catalog (conf/jdbc.yaml); make postgres-stop stops it"
	@echo "make trino          start a local Trino 476 on that catalog (make trino-stop stops it)"
	@echo "make lakehouse      both: PostgreSQL, then Trino on it (make lakehouse-stop stops both)"
	@echo "make rest-catalog   an Iceberg REST catalog server on that PostgreSQL (conf/rest.yaml; make rest-catalog-stop)"
	@echo "make clean   remove build output, the demo warehouse and landing files"

build:
	$(MVN) -q package -DskipTests

# Generates the landing files once per (people, seed); rerunning the demo then ingests nothing new.
demo-data: build
	@stamp="$(LAKECDP_LANDING)/$(DEMO_TENANT)/.generated-$(DEMO_PEOPLE)-$(DEMO_SEED)"; \
	if [[ -f "$$stamp" ]]; then echo "demo data already generated ($$stamp)"; else \
	  rm -rf "$(LAKECDP_LANDING)/$(DEMO_TENANT)" && \
	  scripts/lakecdp-submit demo-data --people $(DEMO_PEOPLE) --seed $(DEMO_SEED) --out "$(LAKECDP_LANDING)/$(DEMO_TENANT)" && \
	  touch "$$stamp"; fi

# The demo data's dates run through November 2025: segments' relative windows are taken as of 2025-12-01.
demo: demo-data
	scripts/lakecdp-submit pipeline --tenant $(DEMO_TENANT) --as-of 2025-12-01 --master '$(MASTER)'
	scripts/lakecdp-submit inspect --tenant $(DEMO_TENANT) --master '$(MASTER)'
	scripts/lakecdp-submit report --tenant $(DEMO_TENANT) --master '$(MASTER)' --out reports/$(DEMO_TENANT).html

# The end-to-end tests render the HTML report in Debian's chromium: scripts/test-tools.sh installs it when missing.
# Then identity resolution runs on a real standalone cluster of separate JVMs (scripts/cluster-test.sh, ~4-8 min).
test:
	scripts/test-tools.sh
	$(MVN) verify
	scripts/cluster-test.sh

bench: build
	scripts/bench-dlo-write.sh
	scripts/bench-identity.sh
	scripts/bench-segmentation.sh
	scripts/bench-activation.sh
	scripts/bench-ingest-stream.sh

# A standalone master and two workers (separate JVMs) on 127.0.0.1: identity resolution with a killed executor.
cluster-test: build
	scripts/cluster-test.sh

# A local PostgreSQL 15 keeping the Iceberg JDBC catalog (data in work/postgres). Then, e.g.:
#   eval "$$(scripts/postgres.sh env)"; scripts/lakecdp-submit pipeline --tenant demo --env jdbc --as-of 2025-12-01
postgres:
	scripts/postgres.sh start
	@echo 'now: eval "$$(scripts/postgres.sh env)" and pass --env jdbc to any job (or LAKECDP_ENV=jdbc)'

postgres-stop:
	scripts/postgres.sh stop

# Trino 476 on the same JDBC catalog (needs `make postgres` first). Tables it creates go to JDBC_WAREHOUSE, the
# folder to give the jobs too: LAKECDP_WAREHOUSE=$(JDBC_WAREHOUSE) ... --env jdbc.
JDBC_WAREHOUSE ?= $(CURDIR)/warehouse-jdbc
trino:
	scripts/trino.sh start --pg-port "$$(cat work/postgres/port)" --warehouse "$(JDBC_WAREHOUSE)"
	@echo 'now: eval "$$(scripts/trino.sh env)" and query --engine trino'

trino-stop:
	scripts/trino.sh stop

# Both servers in one command: PostgreSQL (the JDBC catalog), then Trino on it.
lakehouse: postgres trino
	@echo 'then: eval "$$(scripts/postgres.sh env; scripts/trino.sh env)"; export LAKECDP_WAREHOUSE=$(JDBC_WAREHOUSE)'

lakehouse-stop: trino-stop postgres-stop

# The Iceberg REST catalog server (iceberg-open-api) keeping its state in the local PostgreSQL (started here when it
# is not running); new tables go to REST_WAREHOUSE. Then: eval "$$(scripts/rest-catalog.sh env)" and --env rest.
REST_WAREHOUSE ?= $(CURDIR)/warehouse-rest
rest-catalog: postgres
	scripts/rest-catalog.sh start --pg-port "$$(cat work/postgres/port)" --warehouse "$(REST_WAREHOUSE)"
	@echo 'now: eval "$$(scripts/rest-catalog.sh env)" and pass --env rest to any job (or LAKECDP_ENV=rest)'

rest-catalog-stop:
	scripts/rest-catalog.sh stop

# The pipeline as the Airflow DAG reads it (a test checks it matches the job registry).
airflow-json: build
	java -cp common/target/lakecdp-common.jar io.lakecdp.common.job.JobRegistry pipeline | python3 -m json.tool > scripts/airflow/lakecdp_pipeline.json

clean:
	$(MVN) -q clean
	rm -rf warehouse landing exports reports bench-work
