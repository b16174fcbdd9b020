//! `seqr-recon schedule`: the daemon.

use std::path::Path;
use std::sync::Arc;

use super::{load_config, runtime, ExitCode};

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(config: &Path, _args: Args) -> anyhow::Result<ExitCode> {
    let cfg = Arc::new(load_config(config)?);
    runtime()?.block_on(async {
        // From the start: a signal during the catch-up close lets its calls finish too.
        crate::stop::listen()?;
        crate::schedule::daemon(cfg, &crate::schedule::SystemClock, crate::stop::asked()).await
    })?;
    Ok(ExitCode::Success)
}
