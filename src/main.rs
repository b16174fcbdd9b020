//! The `seqr-recon` command: parses the command line and runs it (see `cli`).

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

/// jemalloc for Rust and, through its unprefixed `malloc`, for DuckDB's C++:
/// DuckDB plans every query with many small allocations from many threads,
/// which the C library's allocator serves with contended locks and trims.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's settings, read when it starts: freed pages go back to the
/// system after half a second rather than ten, which keeps the million-sale
/// close under its memory target without the cost of returning them at once
/// (docs/performance.md).
#[allow(non_upper_case_globals)]
#[unsafe(export_name = "malloc_conf")]
pub static malloc_conf: &[u8; 36] = b"dirty_decay_ms:500,muzzy_decay_ms:0\0";

fn main() -> ExitCode {
    let duckdb = seqr_recon::store::duckdb_version();
    // The database file needs this DuckDB or a later one: analysts' own tools must be at least that.
    let version =
        format!("{} (database: DuckDB {duckdb}; open it with DuckDB {duckdb} or later)", env!("CARGO_PKG_VERSION"));
    let matches = seqr_recon::cli::Cli::command().version(&*version.leak()).get_matches();
    let cli = seqr_recon::cli::Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    seqr_recon::cli::run(cli).into()
}
