//! One shop's close: begin it or resume it, move it through its steps, and
//! alert ops when it fails.

use super::context::{remark_advice, reread, CloseContext, CloseOptions};
use super::db::Db;
use super::lock::lock_shop;
use super::{deliver, export, fetch, mark, publish, reconcile};
use crate::config::Shop;
use crate::domain::CloseState;
use crate::export::ReportFiles;
use crate::notify;
use crate::store::seqr_data::CloseRow;
use crate::store::Store;

/// What one call of [`run_once`] did.
#[derive(Debug)]
pub enum CloseOutcome {
    /// The close finished (now or when resumed).
    Closed {
        /// The close as it ended.
        close: CloseRow,
        /// Its CSV files.
        files: ReportFiles,
        /// Whether its email left (else it waits in the outbox).
        emailed: bool,
        /// Whether an unfinished close was resumed rather than a new one begun.
        resumed: bool,
    },
    /// A close for this slot exists already and is complete.
    AlreadyClosed {
        /// That close.
        close: CloseRow,
    },
}

/// Runs (or resumes) the close of one shop. On failure an alert is queued and
/// sent to `alert_to`, and the error says what to do next.
pub async fn run_once(db: &Db, shop: &Shop, ctx: &CloseContext, opts: &CloseOptions) -> anyhow::Result<CloseOutcome> {
    crate::stop::check("beginning the close")?;
    let _lock = lock_shop(&ctx.cfg, &shop.id)?;
    let begun = db.with(|store| begin_or_resume(store, shop, opts))?;
    let (close, resumed) = match begun {
        Begun::Already(close) => return Ok(CloseOutcome::AlreadyClosed { close }),
        Begun::Close(close, resumed) => (close, resumed),
    };
    if resumed {
        tracing::info!(shop = %shop.id, close = %close.close_id, state = %close.state, "resuming an unfinished close");
    }
    let advanced = advance(db, shop, ctx, close.clone(), opts).await;
    if let Err(e) = db.with(|store| {
        ctx.write_steps(store);
        Ok(())
    }) {
        tracing::warn!(error = %format!("{e:#}"), "could not record the steps in runs");
    }
    match advanced {
        Ok((close, files, emailed)) => Ok(CloseOutcome::Closed { close, files, emailed, resumed }),
        // Stopped on request: nothing failed, and the next run resumes it.
        Err(e) if e.downcast_ref::<crate::stop::Stopped>().is_some() => Err(e),
        Err(e) => {
            alert_failed_close(db, shop, ctx, close, &e);
            Err(e)
        }
    }
}

/// What a close begins with: one already complete for this slot, or the close to advance
/// (and whether it is an unfinished one resumed).
enum Begun {
    Already(CloseRow),
    Close(CloseRow, bool),
}

fn begin_or_resume(store: &Store, shop: &Shop, opts: &CloseOptions) -> anyhow::Result<Begun> {
    Ok(match store.latest_close(&shop.id)? {
        Some(c) if c.state == CloseState::MarkUnknown && !opts.confirm_remark => anyhow::bail!(
            "close {} of shop {} stopped in mark_unknown: SEQR may have closed a period whose id we never got. {}",
            c.close_id,
            shop.id,
            remark_advice(&shop.id)
        ),
        Some(c) if !c.state.is_complete() => Begun::Close(c, true),
        _ => match store.close_for_slot(&shop.id, opts.slot)? {
            Some(close) => Begun::Already(close),
            None => Begun::Close(store.begin_close(&shop.id, opts.slot)?, false),
        },
    })
}

/// Records the error and alerts ops. The database may be what failed: every
/// step here is best effort, and the alert goes out without the outbox if it
/// cannot be queued.
fn alert_failed_close(db: &Db, shop: &Shop, ctx: &CloseContext, close: CloseRow, e: &anyhow::Error) {
    let current = db.with(|store| store.close(&close.close_id)).ok().flatten().unwrap_or(close);
    if current.state != CloseState::MarkUnknown {
        if let Err(db) = db.with(|store| store.record_close_error(&current.close_id, &format!("{e:#}"))) {
            tracing::error!(error = %format!("{db:#}"), "the close's error could not be recorded in the database");
        }
    }
    if ctx.cfg.email.alert_to.is_empty() {
        return;
    }
    let next = if current.state == CloseState::MarkUnknown {
        remark_advice(&shop.id)
    } else if current.state.is_complete() {
        // Only the lake is left to do: running the close again would close a new period.
        format!(
            "Fix the cause above, then run `seqr-recon lake export --shop {}`; the shop's next close also \
             publishes what the lake lacks.",
            shop.id
        )
    } else {
        format!(
            "Fix the cause above, then run `seqr-recon run --shop {}`: the close resumes from state {} without \
             marking again.",
            shop.id, current.state
        )
    };
    let alert = notify::failed_close_alert(&ctx.cfg.email, shop, &current, e, &next);
    let queued = db.with(|store| {
        notify::queue(store, &ctx.cfg.email, &alert)?;
        notify::flush_outbox(store, &ctx.cfg.email, &ctx.email_backoff, Some(&shop.id))
    });
    if let Err(alert_err) = queued {
        tracing::error!(error = %format!("{alert_err:#}"), "the alert could not be queued; sending it directly");
        notify::alert_without_store(&ctx.cfg.email, &alert.subject, &alert.text);
    }
}

/// Moves a close from its state to the end, one step at a time.
async fn advance(
    db: &Db,
    shop: &Shop,
    ctx: &CloseContext,
    mut close: CloseRow,
    opts: &CloseOptions,
) -> anyhow::Result<(CloseRow, ReportFiles, bool)> {
    // A signal to stop is heeded between steps, never inside one: a call SEQR is answering finishes.
    if close.state.is_marking() {
        crate::stop::check("marking")?;
        close = mark::mark_periods(db, shop, ctx, &close, opts).await?;
    }
    if close.state == CloseState::Marked {
        crate::stop::check("fetching the reports")?;
        close = fetch::fetch_reports(db, shop, ctx, &close).await?;
    }
    if let Some(mut inbox) = opts.inbox.clone() {
        inbox.loaded().await?;
    }
    if close.state == CloseState::Fetched {
        crate::stop::check("reconciling")?;
        close = reconcile::classify(db, shop, ctx, &close).await?;
    }
    crate::stop::check("exporting")?;
    let (close, files) = export::export_reports(db, shop, ctx, close).await?;
    let emailed = db.with(|store| deliver::deliver_report(store, ctx, &close))?;
    publish::publish_to_lake(db, shop, ctx, &close).await?;
    let close = db.with(|store| reread(store, &close))?;
    Ok((close, files, emailed))
}
