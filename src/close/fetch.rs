//! Step 2: fetch every period's detail and summary report from SEQR and store it.

use std::time::Instant;

use anyhow::Context;
use chrono::Utc;

use super::context::CloseContext;
use super::db::Db;
use crate::config::Shop;
use crate::domain::{CloseState, PeriodState};
use crate::failpoint::failpoint;
use crate::progress;
use crate::seqr::types::report_ids;
use crate::seqr::ClientContext;
use crate::store::seqr_data::{CloseRow, PeriodRow};

/// Fetches what is not fetched yet and moves the close to `fetched`. A
/// period's detail and summary reports are asked for side by side (SEQR's
/// preparation waits overlap); periods one after another, so that a
/// terminal-level shop never holds every terminal's report at once.
pub(super) async fn fetch_reports(
    db: &Db,
    shop: &Shop,
    ctx: &CloseContext,
    close: &CloseRow,
) -> anyhow::Result<CloseRow> {
    let seqr_ctx = shop.reseller_context(&ctx.cfg.seqr.client_id)?;
    for period in db.with(|store| store.periods_of(&close.close_id))? {
        if period.state == PeriodState::Fetched {
            continue;
        }
        let (detail, summary) = match &period.terminal_id {
            None => (report_ids::SHOP_DETAIL, report_ids::SHOP_SUMMARY),
            Some(_) => (report_ids::TERMINAL_DETAIL, report_ids::TERMINAL_SUMMARY),
        };
        futures_util::try_join!(
            fetch_report(db, shop, ctx, close, &seqr_ctx, &period, detail),
            fetch_report(db, shop, ctx, close, &seqr_ctx, &period, summary),
        )?;
        db.with(|store| store.set_period_state(&period.period_id, PeriodState::Fetched))?;
    }
    db.with(|store| {
        let fetched = store.set_close_state(&close.close_id, CloseState::Fetched, None)?;
        failpoint("fetched");
        Ok(fetched)
    })
}

/// Fetches one report of one period (polling while SEQR prepares it) and stores it.
async fn fetch_report(
    db: &Db,
    shop: &Shop,
    ctx: &CloseContext,
    close: &CloseRow,
    seqr_ctx: &ClientContext,
    period: &PeriodRow,
    report_id: &str,
) -> anyhow::Result<()> {
    let started = Utc::now();
    let t = Instant::now();
    let waiting = progress::spinner(&ctx.progress, format!("{}: {report_id} of period {}", shop.id, period.period_id));
    let fetched = ctx
        .client
        .fetch_report(seqr_ctx, report_id, &period.period_id, period.terminal_id.as_deref(), &ctx.polling)
        .await
        .with_context(|| format!("fetching {report_id} for period {} of shop {}", period.period_id, shop.id));
    waiting.finish_and_clear();
    let fetched = fetched?;
    {
        let _turn = ctx.heavy_db_turn().await;
        db.with(|store| {
            store
                .store_report(&close.close_id, &shop.id, period, report_id, &fetched)
                .with_context(|| format!("storing {report_id} for period {}", period.period_id))
        })?;
    }
    let r = &fetched.report;
    let detail = format!(
        "{report_id} {}: {} rows, {} attempts, {:.1} s",
        period.period_id,
        r.details.len() + r.summaries.len(),
        fetched.attempts,
        t.elapsed().as_secs_f64()
    );
    ctx.record_step(close, "fetch", started, "ok", &detail);
    Ok(())
}
