//! seqr-recon: nightly reconciliation of SEQR mobile payments.
//!
//! # Layout
//!
//! Data flows one way: `seqr` → `store` → `reconcile` → `export` → `notify`,
//! with `close` moving one shop's nightly close through those steps. Only
//! `store` talks to the database; every statement it runs is in `queries/`.
//!
//! - [`domain`]: the words of the trade as types: close states, categories, resolutions, kinds, SEQR's ids.
//! - [`config`]: `seqr-recon.toml`, parsed into types and checked on load; secrets only from the environment.
//! - [`seqr`]: SEQR's SOAP API: envelopes (write), responses (read), reports (parse), the client.
//! - [`store`]: DuckDB, the only door to it: migrations, POS ingest, SEQR data, closes, emails, reconciliation.
//! - [`reconcile`]: classifying one close and recomputing a stored one from its raw reports.
//! - [`export`]: the files of a close: the CSVs (formula-safe) and the typed `report.xlsx`.
//! - [`notify`]: report and alert emails (maud templates, lettre), through an outbox so none is lost.
//! - [`close`]: one close of one shop, a persisted state machine: one file per step, and the batch of many shops.
//! - [`schedule`]: next-fire computation and the daemon loop, on a clock the caller passes.
//! - [`lake`]: each exported close published as hive-partitioned Parquet, for engines beyond this machine.
//! - [`journal`]: the mark journal beside the database: period ids SEQR returned, kept before the database has them.
//! - [`paths`]: output paths that cannot leave their folder, and synced writes.
//! - [`failpoint`]: crash points for tests (`SEQR_RECON_FAILPOINT`).
//! - [`stop`]: SIGTERM and SIGINT: the closes stop between steps, never mid-call.
//! - [`exit`]: exit codes, and the one place errors are mapped to them.
//! - [`backoffice`]: terminals, refunds and resolving exceptions; [`certify`]: SEQR's certification procedure.
//! - [`sim`]: the SEQR simulator, and nothing else: the same SOAP over HTTP, SEQR's rules, fault switches.
//! - [`demo`]: `make demo`: the till that plays a trading day against the simulator, the day end to end, and
//!   the scorer of the exceptions against the till's ground truth.
//! - [`cli`]: one file per subcommand; parses arguments, calls the library, returns an exit code.
//! - [`progress`]: spinners on a terminal.

pub mod backoffice;
pub mod certify;
pub mod cli;
pub mod close;
pub mod config;
pub mod demo;
pub mod domain;
pub mod exit;
pub mod export;
pub mod failpoint;
pub mod journal;
pub mod lake;
pub mod notify;
pub mod paths;
pub mod progress;
pub mod reconcile;
pub mod retention;
pub mod schedule;
pub mod seqr;
pub mod sim;
pub mod stop;
pub mod store;
pub mod web;
pub mod worklist;

/// Declares, in the binary that calls it, the program's allocator and its
/// settings. jemalloc serves Rust and, through its unprefixed `malloc`,
/// DuckDB's C++: DuckDB plans every query with many small allocations from
/// many threads, which the C library's allocator serves with contended locks
/// and trims. Freed pages go back to the system after half a second rather
/// than ten, which keeps the million-sale close under its memory target without
/// the cost of returning them at once (docs/performance.md). The `seqr-recon`
/// binary calls it, and so do the benchmarks that time the store's work in
/// their own process, so that it allocates as the program does.
#[macro_export]
macro_rules! allocator {
    () => {
        #[global_allocator]
        static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

        /// jemalloc's settings, read when it starts.
        #[allow(non_upper_case_globals)]
        #[unsafe(export_name = "malloc_conf")]
        pub static malloc_conf: &[u8; 36] = b"dirty_decay_ms:500,muzzy_decay_ms:0\0";
    };
}
