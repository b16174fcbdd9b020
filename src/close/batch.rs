//! Many shops in one run: flush old mail, then load the POS inbox and close
//! the shops, several at once. The inbox loads beside the closes' marks and
//! fetches (neither needs the other); a close waits for it only to reconcile.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::context::{CloseContext, CloseOptions, InboxGate};
use super::db::Db;
use super::shop::{run_once, CloseOutcome};
use crate::config::Shop;
use crate::notify;
use crate::store::ingest::{ingest_inbox, shop_currencies, InboxOutcome};
use crate::store::Store;

/// Which shops a batch closes, and how.
pub struct Batch {
    /// Each shop with the slot its close stands for.
    pub shops: Vec<(Shop, DateTime<Utc>)>,
    /// Mark again a close stuck in `mark_unknown` (the operator checked with SEQR).
    pub confirm_remark: bool,
    /// After resuming an older unfinished close, also close this slot (the
    /// daemon); a manual `run` only resumes.
    pub close_slot_after_resume: bool,
}

/// What a batch did: the inbox, then each shop's close.
pub struct BatchOutcome {
    /// What loading the POS inbox did.
    pub inbox: InboxOutcome,
    /// Each shop with the outcome of its close.
    pub results: Vec<(Shop, anyhow::Result<CloseOutcome>)>,
}

/// Flushes mail left from earlier runs, then loads the inbox and closes the
/// shops side by side, at most `max_concurrent_shops` closes at once. One
/// shop's failure (alerted by its close) does not stop the others. On a
/// multi-threaded runtime, one close's database work runs beside the others'
/// waiting.
pub async fn run_batch(store: &Store, ctx: &Arc<CloseContext>, batch: Batch) -> anyhow::Result<BatchOutcome> {
    let cfg = &ctx.cfg;
    cfg.require_inbox()?;
    // A shop another instance publishes to the lake is refused before any period is marked.
    if let Some(lake) = &ctx.lake {
        for (shop, _) in &batch.shops {
            lake.claim(&shop.id)?;
        }
    }
    store.sync_config(cfg)?;
    let flushed = notify::flush_outbox(store, &cfg.email, &ctx.email_backoff, None)?;
    if flushed.sent + flushed.left > 0 {
        tracing::info!(sent = flushed.sent, still_queued = flushed.left, "outbox flushed");
    }
    let (loaded, gate) = tokio::sync::watch::channel(None);
    let inbox = {
        let (store, ctx) = (store.try_clone()?, ctx.clone());
        tokio::task::spawn_blocking(move || {
            let inbox = load_inbox(&store, &ctx);
            loaded.send_replace(Some(inbox.as_ref().map(|_| ()).map_err(|e| format!("{e:#}"))));
            inbox
        })
    };
    // A close holds no thread and no connection while it waits on SEQR: it is
    // a task, and takes a connection from `db` only while its statements run.
    let at_once = cfg.schedule.max_concurrent_shops.max(1);
    let limit = Arc::new(tokio::sync::Semaphore::new(at_once));
    let db = Arc::new(Db::new(store.try_clone()?));
    let mut tasks = Vec::new();
    for (shop, slot) in batch.shops {
        let (ctx, limit, db) = (ctx.clone(), limit.clone(), db.clone());
        let opts = CloseOptions { slot, confirm_remark: batch.confirm_remark, inbox: Some(InboxGate(gate.clone())) };
        let again = batch.close_slot_after_resume;
        tasks.push(tokio::spawn(async move {
            let _permit = limit.acquire().await;
            let mut result = run_once(&db, &shop, &ctx, &opts).await;
            if again && matches!(&result, Ok(CloseOutcome::Closed { resumed: true, close, .. }) if close.slot < slot) {
                result = run_once(&db, &shop, &ctx, &opts).await;
            }
            (shop, result)
        }));
    }
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await?);
    }
    // An inbox that failed stopped every close before reconciling (each alerted); now the run fails too.
    let inbox = inbox.await??;
    archive_old_closes(store, cfg);
    Ok(BatchOutcome { inbox, results })
}

/// Moves closes past `[store] retain_days` out of the database. The night's
/// closes are done: a failure here is logged, and the next batch tries again.
fn archive_old_closes(store: &Store, cfg: &crate::config::Config) {
    match crate::retention::archive(store, cfg, chrono::Utc::now()) {
        Ok(done) => {
            for (shop, why) in &done.skipped {
                tracing::warn!(shop = %shop, reason = %why, "old closes kept whole: the lake could not take them");
            }
            if done.closes + done.files > 0 {
                tracing::info!(closes = done.closes, files = done.files, "old closes archived");
            }
        }
        Err(e) => tracing::error!(error = %format!("{e:#}"), "archiving old closes failed; the next batch tries again"),
    }
}

/// Loads the POS inbox; refused files are logged and alerted.
fn load_inbox(store: &Store, ctx: &CloseContext) -> anyhow::Result<InboxOutcome> {
    let cfg = &ctx.cfg;
    let currencies = shop_currencies(cfg);
    let inbox = ingest_inbox(store, &cfg.pos.inbox, &currencies)?;
    for (path, rejected) in &inbox.rejected {
        tracing::error!(file = %path.display(), problems = rejected.problems.len(), "POS file refused; see the .errors.txt beside it");
    }
    if !inbox.rejected.is_empty() && !cfg.email.alert_to.is_empty() {
        notify::queue(store, &cfg.email, &notify::refused_files_alert(&cfg.email, &inbox.rejected))?;
        notify::flush_outbox(store, &cfg.email, &ctx.email_backoff, None)?;
    }
    Ok(inbox)
}
