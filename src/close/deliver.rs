//! Step 5: send what the outbox holds for the shop; the close is `emailed`
//! once its report left. Also `resend`, which queues an earlier report again.

use std::path::PathBuf;

use anyhow::Context;
use chrono::Utc;

use super::context::CloseContext;
use super::export::report_email_id;
use crate::config::Shop;
use crate::domain::CloseState;
use crate::export::CloseResult;
use crate::notify;
use crate::store::seqr_data::CloseRow;
use crate::store::Store;

/// Flushes the shop's outbox; returns whether the close's report was sent.
/// Mail that cannot be sent stays queued for the next run.
pub(super) fn deliver_report(store: &Store, ctx: &CloseContext, close: &CloseRow) -> anyhow::Result<bool> {
    let started = Utc::now();
    notify::flush_outbox(store, &ctx.cfg.email, &ctx.email_backoff, Some(&close.shop_id))?;
    let sent = store.email_sent(&report_email_id(close))?;
    if sent {
        store.set_close_state(&close.close_id, CloseState::Emailed, None)?;
        ctx.record_step(close, "email", started, "ok", "sent");
    } else {
        let detail = "delivery failed; it stays in the outbox for the next run";
        ctx.record_step(close, "email", started, "queued", detail);
    }
    Ok(sent)
}

/// Queues the report of an earlier close again and sends it (`seqr-recon resend`).
pub fn resend(store: &Store, ctx: &CloseContext, shop: &Shop, period_id: &str) -> anyhow::Result<PathBuf> {
    let close = store.close_by_period(&shop.id, period_id)?.with_context(|| {
        format!("shop {} has no close with period {period_id}; `seqr-recon status` lists them", shop.id)
    })?;
    if !close.state.is_complete() {
        anyhow::bail!(
            "the close of period {period_id} is in state {}; run `seqr-recon run --shop {}` to finish it first",
            close.state,
            shop.id
        );
    }
    let label = close.label_period_id.clone().context("a complete close has a period id")?;
    let report = ctx.write_files(store, shop, &label, CloseResult::read(store, &shop.id, close.close_seq)?)?;
    let id = format!("{}-resend-{}", report_email_id(&close), store.report_email_count(&close.close_id)?);
    let email = notify::report_email(&ctx.cfg, shop, &label, &report, id.clone())?;
    notify::queue(store, &ctx.cfg.email, &email)?;
    notify::flush_outbox(store, &ctx.cfg.email, &ctx.email_backoff, Some(&shop.id))?;
    store.eml_path(&id)?.context("the email just queued")
}
