//! `seqr-recon refund --ers-reference R --amount 10.00 [--reason TEXT] [--yes]`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;

use rust_decimal::Decimal;

use super::{load_config, runtime, ExitCode};
use crate::backoffice::{self, check_refund, current_user, parse_amount};
use crate::store::Store;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The payment's ersReference (from the receipt or exceptions.csv).
    #[arg(long)]
    pub ers_reference: String,
    /// How much to give back, e.g. 10.00.
    #[arg(long, value_parser = parse_amount)]
    pub amount: Decimal,
    #[arg(long)]
    pub reason: Option<String>,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub yes: bool,
    /// Refund although an earlier refund of this payment has an unknown outcome,
    /// after SEQR support confirmed that it was not made.
    #[arg(long)]
    pub despite_unknown: bool,
}

pub fn run(config: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let cfg = Arc::new(load_config(config)?);
    let store = Store::open_configured(&cfg.store)?;
    let p = check_refund(&store, &args.ers_reference, args.amount, args.despite_unknown)?;
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            anyhow::bail!("refunds need confirmation: run on a terminal, or pass --yes");
        }
        print!(
            "Refund {} of payment {} ({} in shop {}, {} already refunded)? [y/N] ",
            args.amount, args.ers_reference, p.amount, p.shop_id, p.refunded
        );
        std::io::stdout().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            println!("Nothing refunded.");
            return Ok(ExitCode::Success);
        }
    }
    let client = cfg.seqr.client();
    let refund_ers = runtime()?.block_on(backoffice::refund(
        &cfg,
        &store,
        &client,
        &args.ers_reference,
        args.amount,
        args.reason.as_deref(),
        &current_user(),
        args.despite_unknown,
    ))?;
    println!(
        "Refunded {} of {}: SEQR reference {refund_ers}. The next close matches it.",
        args.amount, args.ers_reference
    );
    Ok(ExitCode::Success)
}
