//! `seqr-recon archive`: move closes older than `[store] retain_days` out of
//! the database now (every batch of closes does it too).

use std::path::Path;

use super::{load_config, ExitCode};
use crate::store::Store;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(config: &Path, _args: Args) -> anyhow::Result<ExitCode> {
    let cfg = load_config(config)?;
    let store = Store::open_configured(&cfg.store)?;
    let done = crate::retention::archive(&store, &cfg, chrono::Utc::now())?;
    for (shop, why) in &done.skipped {
        eprintln!("{shop}: kept whole, as its closes could not be published to the lake: {why}");
    }
    println!(
        "archived {} closes older than {} days; removed {} old files and folders",
        done.closes, cfg.store.retain_days, done.files
    );
    Ok(if done.skipped.is_empty() { ExitCode::Success } else { ExitCode::Failure })
}
