# seqr-recon — every command a developer or CI needs. `make help` lists them.

# DuckDB's bundled C++ build takes ~25 min; keep it outside the clone so it survives.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/seqr-recon/target

.DEFAULT_GOAL := help
.PHONY: help install test test-soap test-browser demo bench bench-close bench-shops bench-nights bench-day build fmt screenshots lake-spark

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

build: ## Build the binary (dev profile, shared by test, clippy and demo)
	cargo build

test: ## Format check, clippy with warnings as errors, every test, and a standard SOAP client against the simulator
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo test
	$(MAKE) test-soap

# zeep, the SOAP client real integrations use, in its own virtual environment.
SOAP_VENV ?= $(HOME)/.cache/seqr-recon/soap-venv

$(SOAP_VENV)/zeep-4.3.3:
	python3 -m venv $(SOAP_VENV)
	$(SOAP_VENV)/bin/pip install --quiet zeep==4.3.3
	touch $@

test-soap: $(SOAP_VENV)/zeep-4.3.3 ## zeep reads the WSDL and drives `sim serve` through every operation it serves
	cargo build --quiet
	$(SOAP_VENV)/bin/python tests/soap_client/check_simulator.py $(CARGO_TARGET_DIR)/debug/seqr-recon tests/fixtures/ERSWSExternalClientService.wsdl

PREFIX ?= /usr/local

install: ## Install a stripped seqr-recon into $(PREFIX)/bin (where config/seqr-recon.service expects it), from the build make test uses
	cargo build --locked
	install -D -m 755 -s $(CARGO_TARGET_DIR)/debug/seqr-recon $(DESTDIR)$(PREFIX)/bin/seqr-recon

fmt: ## Format the code
	cargo fmt

bench: ## Benchmarks: report parsing, ingest and reconciliation of 1,000,000 rows
	cargo bench --profile dev --bench report_parse
	cargo bench --profile dev --bench recon_million
	cargo bench --profile dev --bench duckdb_floor

# The browser tests drive Debian's Chromium through its ChromeDriver with Selenium, in a virtual environment of their own.
BROWSER_VENV ?= $(HOME)/.cache/seqr-recon/browser-venv
$(BROWSER_VENV)/selenium-4.51.0:
	python3 -m venv $(BROWSER_VENV)
	$(BROWSER_VENV)/bin/pip install --quiet selenium==4.51.0
	touch $@

test-browser: $(BROWSER_VENV)/selenium-4.51.0 ## Browser tests: headless Chromium signs in to seqr-recon serve, acknowledges and resolves items (installs chromium and chromium-driver when missing)
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); $$SUDO apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null; }
	cargo build --quiet
	$(BROWSER_VENV)/bin/python tests/browser/worklist.py $(CARGO_TARGET_DIR)/debug/seqr-recon

# The pandas that bench-close times seqr-recon against, in its own virtual environment.
BENCH_VENV ?= $(HOME)/.cache/seqr-recon/bench-venv

$(BENCH_VENV)/pandas-3.1.1:
	python3 -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet pandas==3.1.1
	touch $@

bench-close: $(BENCH_VENV)/pandas-3.1.1 ## The whole close of a 1,000,000-sale day through the binary against a pandas script: wall times, peak RSS, ratio
	BENCH_PYTHON=$(BENCH_VENV)/bin/python cargo bench --profile dev --bench close_million

bench-shops: ## 500 shops closing at once against SEQR answering in 200 ms, default concurrency: wall time and peak RSS
	cargo bench --profile dev --bench many_shops

demo: ## The main job end to end: simulator, a trading day, the close, CSVs and .eml files
	cargo run --quiet -- demo --dir data/demo

bench-nights: ## Night 365 against night 2 (1 shop x 20,000 sales, and 500 shops x 100): wall, CPU, peak RSS, ratios
	cargo bench --profile dev --bench nights

bench-day: ## A big day: 20 shops x 10 terminals x 500 sales, wall time and precision/recall
	cargo run --quiet -- demo --dir data/bench-day --shops 20 --terminals-per-shop 10 --sales-per-terminal 500 --time-scale 10

# The Spark that lake-spark reads the lake with, in its own virtual environment (Java comes from the system).
SPARK_VENV ?= $(HOME)/.cache/seqr-recon/spark-venv

$(SPARK_VENV)/pyspark-4.0.5:
	python3 -m venv $(SPARK_VENV)
	$(SPARK_VENV)/bin/pip install --quiet pyspark==4.0.5
	touch $@

lake-spark: $(SPARK_VENV)/pyspark-4.0.5 demo ## Spark (local mode) over make demo's Parquet lake: per-shop rows and totals, compared with seqr-recon lake check (needs Java 17)
	@command -v java >/dev/null || { echo "make lake-spark needs Java 17 or later: apt-get install openjdk-17-jre-headless"; exit 1; }
	mkdir -p data/lake-spark
	cargo run --quiet -- --config data/demo/seqr-recon.toml lake check > data/lake-spark/lake-check.tsv
	cut -f1-6 data/lake-spark/lake-check.tsv > data/lake-spark/lake-check-figures.tsv
	$(SPARK_VENV)/bin/python queries/lake/spark_totals.py data/demo/lake 2>data/lake-spark/spark.log > data/lake-spark/spark.tsv
	cat data/lake-spark/spark.tsv
	diff data/lake-spark/lake-check-figures.tsv data/lake-spark/spark.tsv
	@echo "Spark read the same rows and totals as seqr-recon lake check (data/lake-spark/)."

screenshots: $(BROWSER_VENV)/selenium-4.51.0 ## Pictures for the docs: make demo's email (wide and on a phone), printed workbook, and the worklist (needs chromium, chromium-driver, libreoffice-calc-nogui, poppler-utils)
	@for tool in chromium soffice pdftoppm python3; do command -v $$tool >/dev/null || { \
	  echo "make screenshots needs $$tool: apt-get install chromium libreoffice-calc-nogui poppler-utils"; exit 1; }; done
	cargo run --quiet -- demo --dir data/demo
	mkdir -p docs data/screenshots
	@# The email: the HTML part of the second close's report, as a browser and a phone show it.
	python3 -c 'import email,sys; m=email.message_from_binary_file(open(sys.argv[1],"rb")); \
	  [open(sys.argv[2],"wb").write(p.get_payload(decode=True)) for p in m.walk() if p.get_content_type()=="text/html"]' \
	  data/demo/reports/outbox/stockholm-1-000002-report.eml data/screenshots/email.html
	chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,1000 \
	  --screenshot=docs/email.png file://$(CURDIR)/data/screenshots/email.html
	chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=420,1200 \
	  --screenshot=docs/email-phone.png file://$(CURDIR)/data/screenshots/email.html
	@# The workbook as LibreOffice prints it: the first page, the To do sheet.
	cp "$$(ls -d data/demo/reports/stockholm-1/*/ | sort | tail -1)report.xlsx" data/screenshots/report.xlsx
	cd data/screenshots && soffice --headless --convert-to pdf report.xlsx
	pdftoppm -png -r 110 -f 1 -l 1 -singlefile data/screenshots/report.pdf docs/workbook
	@# The worklist: its list and one item's page, as the browser test drives them.
	cargo build --quiet
	$(BROWSER_VENV)/bin/python tests/browser/worklist.py $(CARGO_TARGET_DIR)/debug/seqr-recon docs
