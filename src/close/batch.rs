//! Many shops in one run: flush old mail, load the inbox, then close each
//! shop, several at once.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{run_once, CloseContext, CloseOptions, CloseOutcome};
use crate::config::Shop;
use crate::notify;
use crate::store::ingest::{ingest_inbox, InboxOutcome, ShopCurrencies};
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

/// Flushes mail left from earlier runs, loads the inbox, then closes the shops,
/// at most `max_concurrent_shops` at once. One shop's failure (alerted by its
/// close) does not stop the others.
pub async fn run_batch(store: &Store, ctx: &Arc<CloseContext>, batch: Batch) -> anyhow::Result<BatchOutcome> {
    let cfg = &ctx.cfg;
    store.sync_config(cfg)?;
    let flushed = notify::flush_outbox(store, &cfg.email, &ctx.email_backoff, None)?;
    if flushed.sent + flushed.left > 0 {
        tracing::info!(sent = flushed.sent, still_queued = flushed.left, "outbox flushed");
    }
    let inbox = load_inbox(store, ctx)?;
    let limit = Arc::new(tokio::sync::Semaphore::new(cfg.schedule.max_concurrent_shops.max(1)));
    let mut tasks = Vec::new();
    for (shop, slot) in batch.shops {
        let conn = store.try_clone()?;
        let (ctx, limit) = (ctx.clone(), limit.clone());
        let opts = CloseOptions { slot, confirm_remark: batch.confirm_remark };
        let again = batch.close_slot_after_resume;
        let handle = tokio::runtime::Handle::current();
        // A DuckDB connection is not Sync: each close runs on its own blocking
        // thread, where its database work may block freely.
        tasks.push(tokio::task::spawn_blocking(move || {
            handle.block_on(async move {
                let _permit = limit.acquire().await;
                let mut result = run_once(&conn, &shop, &ctx, &opts).await;
                if again
                    && matches!(&result, Ok(CloseOutcome::Closed { resumed: true, close, .. }) if close.slot < slot)
                {
                    result = run_once(&conn, &shop, &ctx, &opts).await;
                }
                (shop, result)
            })
        }));
    }
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await?);
    }
    Ok(BatchOutcome { inbox, results })
}

/// Loads the POS inbox; refused files are logged and alerted.
fn load_inbox(store: &Store, ctx: &CloseContext) -> anyhow::Result<InboxOutcome> {
    let cfg = &ctx.cfg;
    let currencies: ShopCurrencies = cfg.shops.iter().map(|s| (s.id.clone(), s.currency.clone())).collect();
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
