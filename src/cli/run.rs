//! `seqr-recon run [--shop ID]... [--confirm-remark]`: the close, now.

use std::path::Path;
use std::sync::Arc;

use chrono::Utc;

use super::{load_config, runtime, ExitCode};
use crate::close::{run_batch, Batch, CloseContext, CloseOutcome};
use crate::domain::CloseState;
use crate::store::Store;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Close only these shops (all when none is named).
    #[arg(long = "shop")]
    pub shops: Vec<String>,
    /// Mark again a close stopped in mark_unknown, after checking with SEQR support.
    #[arg(long)]
    pub confirm_remark: bool,
    /// Close an extra period now, beside the scheduled one. Without it, `run`
    /// closes each shop's latest scheduled slot (the last `close_at` that has
    /// passed), so running it twice in a night closes once.
    #[arg(long)]
    pub ad_hoc: bool,
}

pub fn run(config: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let cfg = Arc::new(load_config(config)?);
    for id in &args.shops {
        cfg.require_shop(id)?;
    }
    if args.confirm_remark && args.shops.len() != 1 {
        anyhow::bail!("--confirm-remark needs exactly one --shop: it is a decision about one shop's lost period");
    }
    let shops: Vec<_> = cfg
        .shops
        .iter()
        .filter(|s| args.shops.is_empty() || args.shops.iter().any(|id| s.id == *id))
        .cloned()
        .collect();

    // Every secret and the inbox are found before anything acts (exit 3 names what is missing).
    crate::notify::smtp_credentials(&cfg.email)?;
    for shop in &shops {
        shop.password()?;
    }
    cfg.require_inbox()?;
    let store = open_or_alert(&cfg)?;
    let ctx = Arc::new(CloseContext::new(cfg.clone()));
    let now = Utc::now();
    let mut slots = Vec::new();
    for shop in shops {
        let slot = if args.ad_hoc { now } else { crate::schedule::shop_latest_slot(&shop, now) };
        slots.push((shop, slot));
    }
    let batch = Batch {
        shops: slots,
        confirm_remark: args.confirm_remark,
        // A resumed close of an earlier night is finished, then tonight's slot is closed too.
        close_slot_after_resume: !args.ad_hoc,
    };
    let outcome = runtime()?.block_on(async {
        crate::stop::listen()?;
        run_batch(&store, &ctx, batch).await
    })?;
    let mut code = if print_inbox(&outcome.inbox) { ExitCode::BadInput } else { ExitCode::Success };
    let (failed, undelivered) = print_results(&store, outcome.results)?;
    if failed {
        code = ExitCode::Failure;
    }
    // A failed close outranks an undelivered report, which outranks a refused file (its report names it).
    if undelivered && code != ExitCode::Failure {
        code = ExitCode::Undelivered;
    }
    Ok(code)
}

/// The database, or an alert to ops (no shop can be closed without it) and the error.
fn open_or_alert(cfg: &crate::config::Config) -> anyhow::Result<Store> {
    Store::open_configured(&cfg.store).inspect_err(|e| {
        let (subject, text) = crate::notify::run_without_database_alert(e);
        crate::notify::alert_without_store(&cfg.email, &subject, &text);
    })
}

/// What the inbox did: whether it refused a file.
fn print_inbox(inbox: &crate::store::ingest::InboxOutcome) -> bool {
    for (path, rejected) in &inbox.rejected {
        eprintln!("{rejected}\nmoved to {}", path.display());
    }
    if !inbox.loaded.is_empty() {
        println!("inbox: {} file(s) loaded", inbox.loaded.len());
    }
    for (path, result) in &inbox.loaded {
        if matches!(result, crate::store::ingest::Ingested::Appended { .. }) {
            println!("{}", super::ingest::describe(path, result));
        }
    }
    !inbox.rejected.is_empty()
}

/// One line per shop: whether a close failed, and whether a report is undelivered.
fn print_results(
    store: &Store,
    results: Vec<(crate::config::Shop, anyhow::Result<CloseOutcome>)>,
) -> anyhow::Result<(bool, bool)> {
    let (mut failed, mut undelivered) = (false, false);
    for (shop, result) in results {
        match result {
            Ok(CloseOutcome::Closed { close, files, emailed, resumed }) => {
                let counts = store.category_counts(&shop.id, close.close_seq)?;
                let exceptions: i64 = counts.iter().filter(|(c, _)| c.is_exception()).map(|(_, n)| n).sum();
                println!(
                    "{}: {}period {} closed, {exceptions} exception(s), email {}; reports in {}",
                    shop.id,
                    if resumed { "resumed: " } else { "" },
                    close.label_period_id.as_deref().unwrap_or("?"),
                    if emailed { "sent" } else { "NOT DELIVERED, queued in the outbox (the next run retries)" },
                    files.dir.display()
                );
                undelivered |= !emailed;
            }
            Ok(CloseOutcome::AlreadyClosed { close }) => {
                // Exported, not emailed: its report is still waiting in the outbox.
                undelivered |= close.state == CloseState::Exported;
                println!(
                    "{}: already closed for the slot of {} (period {}, state {}); `seqr-recon run --ad-hoc` closes an \
                     extra period",
                    shop.id,
                    close.slot.with_timezone(&shop.tz()).to_rfc3339(),
                    close.label_period_id.as_deref().unwrap_or("?"),
                    close.state
                );
            }
            Err(e) if e.downcast_ref::<crate::stop::Stopped>().is_some() => {
                eprintln!("{}: {e:#}", shop.id);
                failed = true;
            }
            Err(e) => {
                eprintln!("{}: FAILED: {e:#}", shop.id);
                failed = true;
            }
        }
    }
    Ok((failed, undelivered))
}
