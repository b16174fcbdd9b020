//! The `seqr-recon` command: parses the command line and runs it (see `cli`).

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

seqr_recon::allocator!();

fn main() -> ExitCode {
    let duckdb = seqr_recon::store::duckdb_version();
    // The database file needs this DuckDB or a later one: analysts' own tools must be at least that.
    let version =
        format!("{} (database: DuckDB {duckdb}; open it with DuckDB {duckdb} or later)", env!("CARGO_PKG_VERSION"));
    let matches = seqr_recon::cli::Cli::command().version(&*version.leak()).get_matches();
    let cli = seqr_recon::cli::Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    seqr_recon::cli::run(cli).into()
}
