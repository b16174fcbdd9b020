//! `seqr-recon run [--shop ID]... [--confirm-remark]`: the close, now.

use std::path::Path;
use std::sync::Arc;

use chrono::Utc;

use super::{load_config, runtime, ExitCode};
use crate::close::{run_batch, Batch, CloseContext, CloseOutcome};
use crate::store::Store;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Close only these shops (all when none is named).
    #[arg(long = "shop")]
    pub shops: Vec<String>,
    /// Mark again a close stopped in mark_unknown, after checking with SEQR support.
    #[arg(long)]
    pub confirm_remark: bool,
}

pub fn run(config: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let cfg = Arc::new(load_config(config)?);
    for id in &args.shops {
        cfg.require_shop(id)?;
    }
    if args.confirm_remark && args.shops.len() != 1 {
        anyhow::bail!("--confirm-remark needs exactly one --shop: it is a decision about one shop's lost period");
    }
    let shops: Vec<_> =
        cfg.shops.iter().filter(|s| args.shops.is_empty() || args.shops.contains(&s.id)).cloned().collect();

    let store = Store::open_configured(&cfg.store)?;
    let ctx = Arc::new(CloseContext::new(cfg.clone()));
    let batch = Batch {
        shops: shops.into_iter().map(|s| (s, Utc::now())).collect(),
        confirm_remark: args.confirm_remark,
        close_slot_after_resume: false,
    };
    let outcome = runtime()?.block_on(run_batch(&store, &ctx, batch))?;
    let mut code = ExitCode::Success;
    for (path, rejected) in &outcome.inbox.rejected {
        eprintln!("{rejected}\nmoved to {}", path.display());
        code = ExitCode::BadInput;
    }
    if !outcome.inbox.loaded.is_empty() {
        println!("inbox: {} file(s) loaded", outcome.inbox.loaded.len());
    }
    let results = outcome.results;

    for (shop, result) in results {
        match result {
            Ok(CloseOutcome::Closed { close, files, emailed, resumed }) => {
                let counts = store.category_counts(&shop.id, close.close_seq)?;
                let exceptions: i64 =
                    counts.iter().filter(|(c, _)| c != "MATCHED" && c != "LATE_MATCHED").map(|(_, n)| n).sum();
                println!(
                    "{}: {}period {} closed, {exceptions} exception(s), email {}; reports in {}",
                    shop.id,
                    if resumed { "resumed: " } else { "" },
                    close.label_period_id.as_deref().unwrap_or("?"),
                    if emailed { "sent" } else { "queued in the outbox (delivery failed; the next run retries)" },
                    files.dir.display()
                );
            }
            Ok(CloseOutcome::AlreadyClosed { close }) => println!("{}: already closed ({})", shop.id, close.close_id),
            Err(e) => {
                eprintln!("{}: FAILED: {e:#}", shop.id);
                code = ExitCode::Failure;
            }
        }
    }
    Ok(code)
}
