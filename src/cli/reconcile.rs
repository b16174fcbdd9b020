//! `seqr-recon reconcile --period ID [--dry-run]`: recompute a close from the
//! raw reports the store kept, without SEQR and without email.

use std::path::Path;

use super::{load_config, ExitCode};
use crate::reconcile::recompute;
use crate::store::Store;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A period id of the close (its label, or any of its terminal periods).
    #[arg(long)]
    pub period: String,
    /// Show what would change and keep nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run(config: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let cfg = load_config(config)?;
    // A dry run works on a copy in memory: the file is only read.
    let store = if args.dry_run { Store::open_scratch_copy(&cfg.store)? } else { Store::open_configured(&cfg.store)? };
    let r = recompute(&store, &cfg, &args.period, !args.dry_run)?;
    let verb = if r.applied { "changed" } else { "would change" };
    println!(
        "shop {} close {} (period {}), recomputed from the stored reports{}:",
        r.shop_id,
        r.close_seq,
        r.period_id,
        if r.applied { "" } else { " (nothing kept)" }
    );
    if r.added.is_empty() && r.removed.is_empty() {
        println!("  classification: unchanged");
    } else {
        println!("  classification {verb}: {} added, {} removed", r.added.len(), r.removed.len());
        for line in r.removed.iter().chain(&r.added) {
            println!("  {line}");
        }
    }
    for (name, changed) in &r.csv_changed {
        println!("  {name}: {}", if *changed { verb } else { "byte-identical" });
    }
    if !r.check_failures.is_empty() {
        for f in &r.check_failures {
            eprintln!("  self-check {}: {}", f.check, f.detail);
        }
        anyhow::bail!("the recomputed result fails its self-check (above), so nothing was kept");
    }
    Ok(ExitCode::Success)
}
