//! Step 4: check the result, write the files (CSVs, workbook) and queue the report email, then
//! mark the close `exported`. A close already exported only has its files
//! written again (the CSVs are the same bytes).

use anyhow::Context;
use chrono::{DateTime, Utc};

use super::context::CloseContext;
use super::db::Db;
use crate::config::Shop;
use crate::domain::{CloseKey, CloseState};
use crate::export::{CloseResult, ReportFiles};
use crate::failpoint::failpoint;
use crate::notify;
use crate::reconcile::check_closes;
use crate::store::seqr_data::CloseRow;
use crate::store::Store;

/// The id of a close's first report email.
pub(super) fn report_email_id(close: &CloseRow) -> String {
    format!("{}-report", close.close_id)
}

pub(super) async fn export_reports(
    db: &Db,
    shop: &Shop,
    ctx: &CloseContext,
    close: CloseRow,
) -> anyhow::Result<(CloseRow, ReportFiles)> {
    if close.state == CloseState::Reconciled {
        refuse_unless_checks_pass(db, ctx, &close).await?;
        // POS files refused since the last report: this report names them.
        db.with(|store| store.claim_refusals(&shop.id, &close.close_id))?;
    }
    let started = Utc::now();
    let read = |closes: &[CloseKey<'_>]| db.with(|store| CloseResult::read_together(store, closes));
    let rows = ctx.reading.run(&ctx.heavy_db, &shop.id, close.close_seq, read).await?;
    let _turn = ctx.heavy_db_turn().await;
    db.with(|store| write_and_queue(store, shop, ctx, close, rows, started))
}

/// Writes the close's files from its rows and, the first time, queues its report email.
fn write_and_queue(
    store: &Store,
    shop: &Shop,
    ctx: &CloseContext,
    close: CloseRow,
    rows: CloseResult,
    started: DateTime<Utc>,
) -> anyhow::Result<(CloseRow, ReportFiles)> {
    let label = close.label_period_id.clone().context("a marked close has a period id")?;
    let report = ctx.write_files(store, shop, &label, rows)?;
    if close.state != CloseState::Reconciled {
        return Ok((close, report.files));
    }
    let email = notify::report_email(&ctx.cfg, shop, &label, &report, report_email_id(&close))?;
    notify::queue(store, &ctx.cfg.email, &email)?;
    if !ctx.cfg.email.alert_to.is_empty() {
        if report.rows.no_pos_posts()? {
            notify::queue(
                store,
                &ctx.cfg.email,
                &notify::no_posts_alert(&ctx.cfg.email, &ctx.cfg.pos.inbox, shop, &close),
            )?;
        }
        let today = Utc::now().with_timezone(&shop.tz()).date_naive();
        if notify::is_flood(&report.rows.agenda(today, shop.tz()), ctx.cfg.email.flood_new_items) {
            notify::queue(store, &ctx.cfg.email, &notify::flood_alert(&ctx.cfg.email, shop, &close))?;
        }
    }
    ctx.record_step(&close, "export", started, "ok", &report.files.dir.display().to_string());
    let exported = store.set_close_state(&close.close_id, CloseState::Exported, None)?;
    failpoint("exported");
    Ok((exported, report.files))
}

/// The self-check before anything is written or sent (`queries/reconcile/checks.sql`),
/// with the closes ready for it beside this one.
/// A failure is recorded, the close goes back to `marked` so the next run
/// fetches SEQR's reports again, and the error (sent to ops as an alert) lists
/// every failed check.
async fn refuse_unless_checks_pass(db: &Db, ctx: &CloseContext, close: &CloseRow) -> anyhow::Result<()> {
    let started = Utc::now();
    let check = |closes: &[CloseKey<'_>]| db.with(|store| check_closes(store, closes));
    let failures = ctx.checking.run(&ctx.heavy_db, &close.shop_id, close.close_seq, check).await?;
    let list: Vec<String> = failures.iter().map(|f| format!("  {}: {}", f.check, f.detail)).collect();
    db.with(|store| {
        if failures.is_empty() {
            ctx.record_step(close, "check", started, "ok", "every row accounted for");
        } else {
            store.record_check_failures(close, &ctx.run_id, &failures)?;
            ctx.record_step(close, "check", started, "failed", &list.join("; "));
        }
        Ok(())
    })?;
    if failures.is_empty() {
        return Ok(());
    }
    anyhow::bail!(
        "close {} of shop {} failed its self-check, so its report was not sent:\n{}\n\
         The next run fetches SEQR's reports again and re-checks; if it fails again, keep the database \
         and send it with this message to support (table check_failures).",
        close.close_id,
        close.shop_id,
        list.join("\n")
    )
}
