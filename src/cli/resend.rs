//! `seqr-recon resend --shop ID --period ID`: send a period's report again.

use std::path::Path;
use std::sync::Arc;

use super::{load_config, ExitCode};
use crate::close::{resend, CloseContext};
use crate::store::Store;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long)]
    pub shop: String,
    #[arg(long)]
    pub period: String,
}

pub fn run(config: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let cfg = Arc::new(load_config(config)?);
    let shop = cfg.require_shop(&args.shop)?.clone();
    let store = Store::open_configured(&cfg.store)?;
    let ctx = CloseContext::new(cfg.clone());
    let path = resend(&store, &ctx, &shop, &args.period)?;
    println!("{}: report of period {} queued again: {}", shop.id, args.period, path.display());
    Ok(ExitCode::Success)
}
