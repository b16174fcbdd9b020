//! `seqr-recon certify --shop ID`: SEQR's certification procedure, step by step.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::{load_config, runtime, ExitCode};
use crate::backoffice::terminal_context;
use crate::certify::{certify, render, Scanner, STEPS};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long)]
    pub shop: String,
    /// The terminal to certify with (default: the shop's first).
    #[arg(long)]
    pub terminal: Option<String>,
    /// The simulator whose customer scans the QR codes (default: the endpoint's host).
    #[arg(long)]
    pub simulator_url: Option<String>,
    /// The pause of test 2 (the procedure says 30 seconds).
    #[arg(long, default_value_t = 30.0)]
    pub wait_seconds: f64,
}

pub fn run(config: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let cfg = Arc::new(load_config(config)?);
    let shop = cfg.require_shop(&args.shop)?.clone();
    let Some(terminal_id) = args.terminal.or_else(|| shop.terminals.first().map(|t| t.id.clone())) else {
        anyhow::bail!("shop {} has no [[shop.terminal]]; register one with `seqr-recon terminal register`", shop.id)
    };
    let (_, ctx) = terminal_context(&cfg, &terminal_id)?;
    let base_url = match args.simulator_url {
        Some(u) => u,
        // The simulator's own routes sit at the root of the endpoint's host.
        None => cfg.seqr.endpoint.join("/")?.as_str().trim_end_matches('/').to_string(),
    };
    let client = cfg.seqr.client();
    let steps = runtime()?.block_on(certify(
        &client,
        &ctx,
        &shop.currency,
        &Scanner::Simulator { base_url },
        Duration::from_secs_f64(args.wait_seconds.max(0.0)),
    ));
    print!("{}", render(&steps));
    let passed = steps.len() == STEPS && steps.iter().all(|s| s.passed);
    println!("{}", if passed { "certification procedure: PASSED" } else { "certification procedure: FAILED" });
    Ok(if passed { ExitCode::Success } else { ExitCode::Failure })
}
