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

.PHONY: help build demo demo-data test bench clean airflow-json

help:
	@echo "make demo    build, generate the demo tenant ($(DEMO_PEOPLE) people), ingest, resolve identities, compute insights, publish and activate segments, print what landed"
	@echo "make test    run every test (unit and end-to-end); what CI runs"
	@echo "make bench   run the benchmarks (not part of the tests); figures go to docs/BENCHMARKS.md"
	@echo "make build   build the job jars without running tests"
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
test:
	scripts/test-tools.sh
	$(MVN) verify

bench: build
	scripts/bench-dlo-write.sh
	scripts/bench-identity.sh
	scripts/bench-segmentation.sh
	scripts/bench-activation.sh
	scripts/bench-ingest-stream.sh

# The pipeline as the Airflow DAG reads it (a test checks it matches the job registry).
airflow-json: build
	java -cp common/target/lakecdp-common.jar io.lakecdp.common.job.JobRegistry pipeline | python3 -m json.tool > scripts/airflow/lakecdp_pipeline.json

clean:
	$(MVN) -q clean
	rm -rf warehouse landing exports reports bench-work
