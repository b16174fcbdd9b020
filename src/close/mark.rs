//! Step 1: mark every scope of the close (the shop, or each terminal) that has
//! no period yet. The period id SEQR returns goes to the mark journal before
//! the database, so a failed write resumes with it. A mark whose outcome is
//! unknown (no clean answer, or a process that died during the call) stops
//! the close in `mark_unknown`: only `run --confirm-remark` goes on from there.

use std::path::Path;

use chrono::Utc;

use super::context::{remark_advice, CloseContext, CloseOptions};
use super::db::Db;
use crate::config::{Level, Shop};
use crate::domain::{CloseState, PeriodId};
use crate::failpoint::failpoint;
use crate::journal::{self, MarkEntry};
use crate::seqr::ClientContext;
use crate::store::seqr_data::CloseRow;
use crate::store::Store;

/// A scope as the database's `pending_scope` names it: `shop` or the terminal id.
fn scope_label(terminal: Option<&str>) -> &str {
    terminal.unwrap_or("shop")
}

/// Marks what is unmarked and moves the close to `marked`.
pub(super) async fn mark_periods(
    db: &Db,
    shop: &Shop,
    ctx: &CloseContext,
    close: &CloseRow,
    opts: &CloseOptions,
) -> anyhow::Result<CloseRow> {
    let seqr_ctx = shop.reseller_context(&ctx.cfg.seqr.client_id)?;
    let journal = journal::path_for(&ctx.cfg.store.database);
    let scopes: Vec<Option<String>> = match shop.level {
        Level::Shop => vec![None],
        Level::Terminal => shop.terminals.iter().map(|t| Some(t.id.clone())).collect(),
    };
    let marked = db.with(|store| {
        let mut marked: Vec<Option<String>> =
            store.periods_of(&close.close_id)?.into_iter().map(|p| p.terminal_id).collect();
        if let Some(recovered) = resume_in_flight(store, shop, close, &journal, &marked, opts)? {
            marked.push(recovered);
        }
        Ok(marked)
    })?;
    for scope in scopes.iter().filter(|s| !marked.contains(s)) {
        mark_scope(db, shop, ctx, close, &seqr_ctx, &journal, scope.as_deref()).await?;
    }
    db.with(|store| {
        let marked = store.set_close_state(&close.close_id, CloseState::Marked, None)?;
        failpoint("marked");
        Ok(marked)
    })
}

/// A mark in flight when an earlier run stopped: taken from the mark journal
/// when SEQR's answer reached it (returns its scope); otherwise its outcome is
/// unknown and the close stops in `mark_unknown`, unless the operator
/// confirmed a new mark.
fn resume_in_flight(
    store: &Store,
    shop: &Shop,
    close: &CloseRow,
    journal: &Path,
    marked: &[Option<String>],
    opts: &CloseOptions,
) -> anyhow::Result<Option<Option<String>>> {
    let Some(scope) = store.pending_scope(&close.close_id)? else { return Ok(None) };
    let scope_terminal = (scope != "shop").then(|| scope.clone());
    if marked.contains(&scope_terminal) {
        return Ok(None);
    }
    match journal::find(journal, &close.close_id, &scope)? {
        Some(entry) => {
            let period_id = journal_period(journal, &entry.period_id)?;
            tracing::warn!(shop = %shop.id, period = %entry.period_id, client_reference = %entry.client_reference,
                "taking the period SEQR returned from the mark journal: the database had not recorded it");
            store.record_mark(
                close,
                &period_id,
                scope_terminal.as_deref(),
                &entry.client_reference,
                &entry.response_sha256,
            )?;
            Ok(Some(scope_terminal))
        }
        None if !opts.confirm_remark => {
            // The process died while the mark was in flight.
            let why = "the process stopped during markTransactionPeriod";
            store.set_close_state(&close.close_id, CloseState::MarkUnknown, Some(why))?;
            anyhow::bail!(
                "close {} of shop {}: a markTransactionPeriod for {scope} was in flight when the process stopped; \
                 its outcome is unknown. {}",
                close.close_id,
                shop.id,
                remark_advice(&shop.id)
            );
        }
        None => Ok(None),
    }
}

/// Asks SEQR to mark one scope and records the period it returns.
async fn mark_scope(
    db: &Db,
    shop: &Shop,
    ctx: &CloseContext,
    close: &CloseRow,
    seqr_ctx: &ClientContext,
    journal: &Path,
    terminal: Option<&str>,
) -> anyhow::Result<()> {
    let label = scope_label(terminal);
    let started = Utc::now();
    // Room for SEQR's answer first: with the disk full, nothing is sent.
    let slot = journal::reserve(journal, &close.close_id, label)?;
    db.with(|store| store.set_marking(&close.close_id, label))?;
    failpoint("marking");
    match ctx.client.mark_transaction_period(seqr_ctx, terminal).await {
        Ok((period_id, answer)) => {
            let entry = MarkEntry {
                close_id: close.close_id.clone(),
                scope: label.to_string(),
                period_id: period_id.to_string(),
                client_reference: answer.client_reference.clone(),
                response_sha256: answer.raw_sha256.clone(),
            };
            let detail = format!("{label}: period {} ({})", entry.period_id, entry.client_reference);
            record_answer(db, shop, close, &slot, terminal, &period_id, &entry)?;
            ctx.record_step(close, "mark", started, "ok", &detail);
            Ok(())
        }
        Err(e) if e.outcome_unknown() => {
            db.with(|store| {
                store.set_close_state(&close.close_id, CloseState::MarkUnknown, Some(&e.to_string()))?;
                ctx.record_step(close, "mark", started, "unknown", &e.to_string());
                Ok(())
            })?;
            Err(anyhow::Error::new(e).context(format!(
                "close {} of shop {} stopped in mark_unknown. {}",
                close.close_id,
                shop.id,
                remark_advice(&shop.id)
            )))
        }
        Err(e) => {
            // SEQR refused cleanly or was never reached: nothing was marked, a later run may try again.
            db.with(|store| {
                store.back_to_intent(&close.close_id)?;
                ctx.record_step(close, "mark", started, "failed", &e.to_string());
                Ok(())
            })?;
            Err(anyhow::Error::new(e).context(format!("marking the period of shop {}", shop.id)))
        }
    }
}

/// Keeps the period SEQR returned: first in the journal, then in the database.
fn record_answer(
    db: &Db,
    shop: &Shop,
    close: &CloseRow,
    slot: &journal::Slot,
    terminal: Option<&str>,
    period_id: &PeriodId,
    entry: &MarkEntry,
) -> anyhow::Result<()> {
    tracing::info!(shop = %shop.id, scope = %entry.scope, period = %entry.period_id,
        client_reference = %entry.client_reference, "SEQR marked the period");
    if let Err(e) = slot.fill(entry) {
        tracing::error!(shop = %shop.id, period = %entry.period_id, client_reference = %entry.client_reference,
            error = %format!("{e:#}"), "the mark journal could not be written; the period id is only in this log line until the database records it");
    }
    failpoint("mark_answered");
    // The journal has it before a connection is even taken from the pool.
    let recorded =
        db.with(|store| store.record_mark(close, period_id, terminal, &entry.client_reference, &entry.response_sha256));
    recorded.map_err(|e| {
        tracing::error!(shop = %shop.id, period = %entry.period_id, client_reference = %entry.client_reference,
            error = %format!("{e:#}"), "SEQR marked the period but the database could not record it");
        e.context(format!(
            "SEQR marked period {} for shop {} ({}), but the database could not record it; fix the database (disk \
             space?) and run `seqr-recon run --shop {}`: the close resumes with this period id from the mark \
             journal {}",
            entry.period_id,
            shop.id,
            entry.client_reference,
            shop.id,
            slot.path().display()
        ))
    })
}

/// A period id read back from the journal, checked as if SEQR had just sent it.
fn journal_period(journal: &Path, id: &str) -> anyhow::Result<PeriodId> {
    PeriodId::parse(id)
        .map_err(|what| anyhow::anyhow!("the mark journal {} holds period id {id:?}, which {what}", journal.display()))
}
