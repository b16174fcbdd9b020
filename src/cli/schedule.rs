//! `seqr-recon schedule`: the daemon.

use std::path::Path;
use std::sync::Arc;

use super::{load_config, runtime, ExitCode};

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(config: &Path, _args: Args) -> anyhow::Result<ExitCode> {
    let cfg = Arc::new(load_config(config)?);
    runtime()?.block_on(crate::schedule::daemon(cfg, &crate::schedule::SystemClock, super::sim::shutdown_signal()))?;
    Ok(ExitCode::Success)
}
