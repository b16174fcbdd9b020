# seqr-recon — every command a developer or CI needs. `make help` lists them.

# DuckDB's bundled C++ build takes ~25 min; keep it outside the clone so it survives.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/seqr-recon/target

.DEFAULT_GOAL := help
.PHONY: help test demo bench bench-close bench-day build fmt

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

build: ## Build the binary (dev profile, shared by test, clippy and demo)
	cargo build

test: ## Format check, clippy with warnings as errors, every test
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo test

fmt: ## Format the code
	cargo fmt

bench: ## Benchmarks: report parsing, ingest and reconciliation of 1,000,000 rows
	cargo bench --profile dev --bench report_parse
	cargo bench --profile dev --bench recon_million
	cargo bench --profile dev --bench duckdb_floor

bench-close: ## The whole close of a 1,000,000-sale day through the binary: wall time and peak RSS
	cargo bench --profile dev --bench close_million

demo: ## The main job end to end: simulator, a trading day, the close, CSVs and .eml files
	cargo run --quiet -- demo --dir data/demo

bench-day: ## A big day: 20 shops x 10 terminals x 500 sales, wall time and precision/recall
	cargo run --quiet -- demo --dir data/bench-day --shops 20 --terminals-per-shop 10 --sales-per-terminal 500 --time-scale 10
