//! The `seqr-recon` command: parses the command line and runs it (see `cli`).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = seqr_recon::cli::Cli::parse();
    seqr_recon::cli::run(cli).into()
}
