# dmsflow — PostgreSQL → PostgreSQL migration (AWS DMS or native logical
# replication) that proves the target is identical.
#
#   make demo    the whole job locally: two PostgreSQL clusters, no AWS account
#   make test    everything CI runs
#
# Other targets: make help

SHELL := /bin/bash
.DEFAULT_GOAL := help
CARGO ?= cargo
SCALE ?= 1
MODE ?= migrate
export CARGO_TERM_COLOR ?= never
# SKIP_TERRAFORM=1: make test without the Terraform checks (no terraform here).
SKIP_TERRAFORM ?=

# The PostgreSQL server and client tools (initdb, pg_ctl, pgbench, pg_dump, …)
# live in their own directory, often not on PATH: the scripts and tests find
# them there. The default is where apt-get puts them, even before it has.
PG_BIN ?= $(or $(wildcard /usr/lib/postgresql/15/bin),$(lastword $(sort $(wildcard /usr/lib/postgresql/*/bin))),/usr/lib/postgresql/15/bin)
ifeq ($(filter $(PG_BIN),$(subst :, ,$(PATH))),)
export PATH := $(PATH):$(PG_BIN)
endif

include mk/*.mk

.PHONY: help
help: ## list targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-16s %s\n", $$1, $$2}'

# ------------------------------------------------------------------ set-up
# Install what is missing (PostgreSQL 15, moto, cargo-lambda, Node, …); one
# line and done when everything is there.
.PHONY: bootstrap-demo bootstrap-test
bootstrap-demo: ## check/install what make demo needs
	@scripts/bootstrap.sh demo
bootstrap-test: ## check/install what make test needs (SKIP_TERRAFORM=1: no terraform)
	@scripts/bootstrap.sh test $(if $(filter 1,$(SKIP_TERRAFORM)),--skip-terraform)

# ---------------------------------------------------------------- local run
.PHONY: demo
demo: bootstrap-demo ## the whole pipeline locally, no AWS account (SCALE=1, MODE=migrate|validate|cutover, CORRUPT=1)
	scripts/demo.sh --scale $(SCALE) --mode $(MODE) $(if $(filter 1,$(CORRUPT)),--corrupt)

.PHONY: pg-up pg-down
pg-up: ## start two PostgreSQL clusters on loopback (.local/pg), print their URLs
	scripts/pg-local.sh up
	@scripts/pg-local.sh env
pg-down: ## stop the clusters and delete their data
	scripts/pg-local.sh down

# ------------------------------------------------------------------ contract
.PHONY: contract
contract: ## regenerate contract/dmsflow.contract.json, the README env table and docs/contracts.md shapes
	$(CARGO) run -q -p dmsflow --example contract

# --------------------------------------------------------------------- tests
.PHONY: test
# bootstrap-test comes first: make runs prerequisites left to right.
test: bootstrap-test lint test-rust test-statemachine $(if $(filter 1,$(SKIP_TERRAFORM)),,test-terraform) test-demo ## everything CI runs (SKIP_TERRAFORM=1: all but Terraform)

.PHONY: lint
lint: fmt-check clippy $(if $(filter 1,$(SKIP_TERRAFORM)),,lint-terraform) ## cargo fmt --check, clippy -D warnings, terraform fmt/validate/checkov/env check

.PHONY: fmt-check
fmt-check: ## cargo fmt --check
	$(CARGO) fmt --all -- --check

.PHONY: clippy
clippy: ## cargo clippy -D warnings (all targets)
	$(CARGO) clippy --workspace --all-targets -- -D warnings

.PHONY: test-demo
test-demo: ## the demo end to end: clean run identical, corrupted row reported and FAILED
	scripts/test-demo.sh

.PHONY: test-rust
test-rust: ## unit and integration tests against real PostgreSQL and moto
	scripts/with-services.sh $(CARGO) test --workspace

# ----------------------------------------------------------------- benchmarks
.PHONY: bench bench-seed bench-validate bench-replicate bench-objects scale-run
bench: bench-seed bench-validate bench-replicate bench-objects ## all benchmarks (print figures; never pass/fail on time)

bench-seed: ## seed scale 1000 vs pgbench -i on the same cluster
	$(CARGO) build --release --bin dmsflow
	scripts/with-services.sh scripts/bench-seed.sh

bench-validate: ## dmsflow validate vs reladiff, data-diff, DVT (installed into .local/bench-venv) and a raw scan, 5M rows (BENCH_VALIDATE_ROWS)
	$(CARGO) build --release --bin dmsflow
	scripts/with-services.sh python3 scripts/bench-validate.py
	scripts/with-services.sh python3 scripts/bench-validate-live.py

bench-objects: ## object checks on 500 tables and 2,000 other objects, beside migra
	$(CARGO) build --release --bin dmsflow
	scripts/with-services.sh python3 scripts/bench-objects.py

bench-replicate: ## native logical replication full load vs pg_dump | pg_restore, scale 1000
	$(CARGO) build --release --bin dmsflow
	scripts/with-services.sh scripts/bench-replicate.sh

scale-run: ## the state machine (validate) over 2,000 small tables + one 20M-row table, 3 injected differences (SCALE_TABLES, SCALE_BIG_ROWS; docs/scale.md)
	scripts/scale-run.sh
