//! The `seqr-recon` command: parses the command line and runs it (see `cli`).

use std::process::ExitCode;

use clap::Parser;

/// jemalloc for Rust and, through its unprefixed `malloc`, for DuckDB's C++:
/// DuckDB plans every query with many small allocations from many threads,
/// which the C library's allocator serves with contended locks and trims.
/// 500 small closes: 22% less wall time; the million-sale close: also faster
/// (README, performance).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's settings, read when it starts: freed pages go back to the
/// system after a second rather than ten, so the peak memory of a big close
/// stays low.
#[allow(non_upper_case_globals)]
#[unsafe(export_name = "malloc_conf")]
pub static malloc_conf: &[u8; 37] = b"dirty_decay_ms:1000,muzzy_decay_ms:0\0";

fn main() -> ExitCode {
    let cli = seqr_recon::cli::Cli::parse();
    seqr_recon::cli::run(cli).into()
}
