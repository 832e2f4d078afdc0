# Haven: `make run` starts the product, `make test` runs every check. See README.md.
SHELL := /bin/bash
CARGO ?= cargo
STAGE := scripts/stage
# nextest when installed (parallel, per-test isolation), else cargo test.
TEST_RUNNER := $(shell command -v cargo-nextest >/dev/null 2>&1 && echo "nextest run --no-tests=pass" || echo "test")

.PHONY: run build frontend-deps frontend-build test fmt-check clippy test-rust test-rust-pg \
        frontend-check e2e api-fuzz openapi openapi-check fmt bench bench-validate bench-queue bench-api bench-hooks bench-as4

## run: build the SPA and the server (release) and start Haven on 127.0.0.1:8080 with SQLite in ./data
run: frontend-build
	$(CARGO) build --release -p haven-api
	mkdir -p data
	./target/release/haven serve

frontend-deps:
	@scripts/ensure-npm-deps

frontend-build: frontend-deps
	npm --prefix frontend run build

## test: formatting, lints, Rust tests on SQLite (and PostgreSQL when HAVEN_TEST_DATABASE_URL is set;
## both against moto's S3 server, installed into .tools/moto by scripts/ensure-moto, with Debian's
## tesseract-ocr and poppler-utils for OCR, installed by scripts/ensure-tesseract, and the
## AS4 interoperability tests against the PyPI as4 package, in .tools/as4 by scripts/ensure-as4,
## and the revocation tests against Debian's openssl, by scripts/ensure-openssl),
## frontend checks and unit tests, and the browser tests against the real server.
test:
	@start=$$(date +%s); \
	$(MAKE) --no-print-directory fmt-check clippy test-rust test-rust-pg frontend-check e2e api-fuzz && \
	echo "==> make test: all stages passed in $$(( $$(date +%s) - start ))s"

fmt-check:
	@$(STAGE) "rustfmt" $(CARGO) fmt --all -- --check

clippy:
	@$(STAGE) "clippy" $(CARGO) clippy --workspace --all-targets --locked -- -D warnings

test-rust:
	@scripts/ensure-moto
	@scripts/ensure-tesseract
	@scripts/ensure-as4
	@scripts/ensure-openssl
	@$(STAGE) "rust tests (SQLite)" env -u HAVEN_TEST_DATABASE_URL $(CARGO) $(TEST_RUNNER) --workspace --locked

test-rust-pg:
	@scripts/ensure-moto
	@scripts/ensure-tesseract
	@scripts/ensure-as4
	@scripts/ensure-openssl
	@if [ -n "$$HAVEN_TEST_DATABASE_URL" ]; then \
	  $(STAGE) "rust tests (PostgreSQL)" $(CARGO) $(TEST_RUNNER) --workspace --locked; \
	else \
	  echo "==> rust tests (PostgreSQL): skipped, HAVEN_TEST_DATABASE_URL is not set"; \
	fi

frontend-check: frontend-deps
	@$(STAGE) "frontend: generated API types current" npm --prefix frontend run check:api
	@$(STAGE) "frontend: type check" npm --prefix frontend run typecheck
	@$(STAGE) "frontend: lint" npm --prefix frontend run lint
	@$(STAGE) "frontend: unit tests" npm --prefix frontend run test

## e2e: Playwright in Debian's Chromium against the debug server binary the Rust tests built.
e2e: frontend-deps
	@scripts/ensure-chromium
	@[ -x target/debug/haven ] || $(CARGO) build -p haven-api --locked
	@$(STAGE) "frontend: build" npm --prefix frontend run build
	@$(STAGE) "frontend: bundle budget" npm --prefix frontend run check:bundle
	@$(STAGE) "browser tests" env HAVEN_BIN=$(CURDIR)/target/debug/haven npm --prefix frontend run e2e

## api-fuzz: schemathesis (property-based, from the OpenAPI document) against the real server,
## every check and the stateful phase, as a fresh Administrator; zero failures allowed.
api-fuzz:
	@$(CARGO) build -q -p haven-api --locked
	@$(STAGE) "API contract (schemathesis)" scripts/schemathesis

## openapi: regenerate openapi/openapi.json and the SPA's types from the code
openapi:
	$(CARGO) run -q -p haven-api -- openapi --output openapi/openapi.json
	@if [ -d frontend/node_modules ]; then npm --prefix frontend run generate:api; fi

openapi-check:
	$(CARGO) run -q -p haven-api -- openapi --check --output openapi/openapi.json

fmt:
	$(CARGO) fmt --all

## bench-validate: documents/second for a 10-line Peppol invoice, and time and peak memory for
## 10 to 100,000 lines, each parsed and validated against CEN + Peppol (release build, one core)
bench-validate:
	$(CARGO) run --release --locked -p haven-einvoice --example bench_validate

## bench-queue: jobs/second claimed and completed by the job queue (no-op jobs) on PostgreSQL with
## 1 and 2 worker instances (HAVEN_BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test)
## and on SQLite (release build)
bench-queue:
	$(CARGO) run --release --locked -p haven-jobs --example bench_queue


## bench-api: requests/s and p50/p99 of GET /api/health, GET /api/v1/me and POST /api/v1/validate,
## then accepted invoices/s and p50/p99 of POST /api/v1/parties/{partyId}/sales-invoices at 1, 16
## and 64 clients while the server delivers them internally, with the drain time and a count
## that fails on a lost or doubled document; against the release server on SQLite;
## `make bench-api PG=postgres://...` (or PG=default for postgres://postgres@127.0.0.1:5432/test)
## adds PostgreSQL in a fresh database. The load generator is oha, installed into .tools on first
## use. See docs/performance.md.
OHA_VERSION := 1.16.0
bench-api:
	$(CARGO) build --release --locked -p haven-api
	$(CARGO) build --release --locked -p haven-einvoice --example bench_validate
	@[ -x .tools/bin/oha ] || $(CARGO) install --locked oha --version $(OHA_VERSION) --root .tools
	scripts/bench-api $(if $(PG),--postgres $(if $(filter default,$(PG)),,$(PG)))

## bench-hooks: webhook events delivered per second to local receivers and the delay from a
## document event to its delivery at p50/p99, while invoices are sent at 500/s, with a slow and
## a dead receiver alongside the healthy ones (which they must not delay); release server on
## SQLite, `make bench-hooks PG=default` (or PG=postgres://...) adds PostgreSQL.
bench-hooks:
	$(CARGO) build --release --locked -p haven-api
	scripts/bench-hooks $(if $(PG),--postgres $(if $(filter default,$(PG)),,$(PG)))

## bench-as4: AS4 messages/s and p50/p99 from access point A to B on 127.0.0.1 (a 10-line invoice,
## gzipped, signed, encrypted, the signed receipt verified) at 1, 4 and 16 at once, then each
## side's peak memory for a 50 MB payload against twice the payload (release build of
## haven-peppol only; B is the crate's AS4 receiver without the database). See docs/performance.md.
bench-as4:
	$(CARGO) run --release --locked -p haven-peppol --example bench_as4

bench: bench-validate bench-queue bench-api bench-hooks bench-as4
