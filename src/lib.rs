//! seqr-recon: nightly reconciliation of SEQR mobile payments.
//!
//! # Layout
//!
//! Data flows one way: `seqr` → `store` → `reconcile` → `export` (→ `notify`),
//! with `close` tying the steps of one shop's nightly close together.
//!
//! - [`cli`]: one file per subcommand; parses arguments, calls the library, maps results to exit codes.
//! - [`config`]: `seqr-recon.toml`, checked on load; secrets only from the environment.
//! - [`secret`]: a string that never prints itself.
//! - [`seqr`]: SEQR's SOAP API: envelopes (write), responses (read), reports (parse), the client.
//! - [`sim`]: the SEQR simulator: the same SOAP over HTTP, SEQR's rules, fault switches.
//! - [`store`]: DuckDB: migrations, POS ingest, SEQR data, closes. SQL lives in `queries/`.
//! - [`reconcile`]: classification of one close (SQL in `queries/reconcile/`) and its CSV files.
//! - [`export`]: formula-safe CSV writing of query results.
//! - [`paths`]: output paths that cannot leave their folder, and synced writes.
//! - [`notify`]: report and alert emails (lettre), through an outbox so none is lost.
//! - [`close`]: one close of one shop, the persisted state machine; what `run`, `schedule` and tests call.
//! - [`failpoint`]: crash points for tests (`SEQR_RECON_FAILPOINT`).
//! - [`journal`]: the mark journal beside the database: period ids SEQR returned, kept before the database has them.
//! - [`schedule`]: cron next-fire computation and the daemon loop.
//! - [`demo`]: `make demo`, a trading day end to end against the simulator.
//! - [`backoffice`]: terminals, refunds and resolving exceptions; [`certify`]: SEQR's certification procedure.
//! - [`verify`]: precision and recall of the exceptions against a generator's ground truth.

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
pub mod notify;
pub mod paths;
pub mod progress;
pub mod reconcile;
pub mod schedule;
pub mod secret;
pub mod seqr;
pub mod sim;
pub mod store;
