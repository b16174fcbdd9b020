//! `seqr-recon serve [--listen ADDR]`: the accountants' worklist in the browser.

use std::net::SocketAddr;
use std::path::Path;

use super::{load_config, runtime, ExitCode};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to listen (default: `[web] listen`, 127.0.0.1:8080).
    #[arg(long)]
    pub listen: Option<SocketAddr>,
}

pub fn run(config: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let cfg = load_config(config)?;
    let listen = args.listen.unwrap_or(cfg.web.listen);
    let rt = runtime()?;
    rt.block_on(async {
        crate::stop::listen()?;
        crate::web::serve(cfg, listen).await
    })?;
    Ok(ExitCode::Success)
}
