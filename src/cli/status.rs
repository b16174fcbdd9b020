//! `seqr-recon status`: per shop, the last close, its state, exceptions, the next close, what is stuck.

use std::path::Path;

use chrono::Utc;

use super::{load_config, ExitCode};
use crate::domain::{CloseState, ShopId};
use crate::schedule::shop_next;
use crate::store::Store;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(config: &Path, _args: Args) -> anyhow::Result<ExitCode> {
    let cfg = load_config(config)?;
    let store = Store::open_read_only(&cfg.store)?;
    let (text, healthy) = report(&cfg, &store)?;
    print!("{text}");
    // A health check: anything stuck or undelivered exits non-zero.
    Ok(if healthy { ExitCode::Success } else { ExitCode::Undelivered })
}

/// The status text, and whether nothing is stuck or undelivered.
pub fn report(cfg: &crate::config::Config, store: &Store) -> anyhow::Result<(String, bool)> {
    let now = Utc::now();
    let mut out = String::new();
    let mut healthy = true;
    for shop in &cfg.shops {
        let tz = shop.tz();
        let next = shop_next(shop, now).map(|t| t.with_timezone(&tz).to_rfc3339()).unwrap_or_else(|| "never".into());
        out.push_str(&format!("{} ({}, {}-level)\n", shop.id, shop.name, shop.level.as_str()));
        healthy &= last_close(store, shop, &mut out)?;
        healthy &= waiting(store, &shop.id, &mut out)?;
        out.push_str(&format!("  next close:  {next}\n"));
    }
    Ok((out, healthy))
}

/// The shop's last close, its exceptions, and whether it is stuck: whether it is complete.
fn last_close(store: &Store, shop: &crate::config::Shop, out: &mut String) -> anyhow::Result<bool> {
    let Some(c) = store.latest_close(&shop.id)? else {
        out.push_str("  last close:  none yet\n");
        return Ok(true);
    };
    let exceptions: i64 = store
        .category_counts(&shop.id, c.close_seq)?
        .iter()
        .filter(|(cat, _)| cat.is_exception())
        .map(|(_, n)| n)
        .sum();
    out.push_str(&format!(
        "  last close:  {} period {} state {} (slot {})\n  exceptions:  {exceptions}\n",
        c.close_id,
        c.label_period_id.as_deref().unwrap_or("-"),
        c.state,
        c.slot.with_timezone(&shop.tz()).to_rfc3339()
    ));
    if c.state == CloseState::MarkUnknown {
        out.push_str(&format!("  STUCK:       mark outcome unknown; see docs/operator.md, then `seqr-recon run --shop {} --confirm-remark`\n", shop.id));
    } else if !c.state.is_complete() {
        out.push_str(&format!(
            "  STUCK:       unfinished close{}; `seqr-recon run --shop {}` resumes it\n",
            c.error.as_deref().map(|e| format!(" (last error: {e})")).unwrap_or_default(),
            shop.id
        ));
    }
    Ok(c.state.is_complete())
}

/// Mail not delivered and refunds in doubt: whether there are none.
fn waiting(store: &Store, shop_id: &ShopId, out: &mut String) -> anyhow::Result<bool> {
    let mail = store.mail_waiting(shop_id)?;
    let refunds = store.refunds_in_doubt(shop_id)?;
    if mail.queued > 0 {
        out.push_str(&format!("  outbox:      {} email(s) not yet delivered; the next run retries\n", mail.queued));
    }
    if mail.in_doubt > 0 {
        out.push_str(&format!(
            "  outbox:      {} email(s) handed to SMTP without an answer (the connection dropped, or a run \
             stopped, before SMTP's answer was recorded); maybe delivered, not sent again by themselves: ask \
             the recipients, and `seqr-recon resend` if they lack it\n",
            mail.in_doubt
        ));
    }
    if mail.refused > 0 {
        out.push_str(&format!(
            "  outbox:      {} email(s) refused for good by the mail server (the alert and the `emails` \
             table's last_error name the address); fix the address, then `seqr-recon resend`\n",
            mail.refused
        ));
    }
    if refunds > 0 {
        out.push_str(&format!(
            "  refunds:     {refunds} refund(s) with an unknown outcome (SEQR may have made them); the next \
             close links SEQR's refund row; `SELECT * FROM refund_attempts` lists them\n"
        ));
    }
    Ok(mail.queued == 0 && mail.in_doubt == 0 && mail.refused == 0 && refunds == 0)
}
