//! `seqr-recon status`: per shop, the last close, its state, exceptions, the next close, what is stuck.

use std::path::Path;

use chrono::Utc;

use super::{load_config, ExitCode};
use crate::domain::CloseState;
use crate::schedule::shop_next;
use crate::store::Store;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(config: &Path, _args: Args) -> anyhow::Result<ExitCode> {
    let cfg = load_config(config)?;
    let store = Store::open_read_only(&cfg.store)?;
    print!("{}", report(&cfg, &store)?);
    Ok(ExitCode::Success)
}

/// The status text.
pub fn report(cfg: &crate::config::Config, store: &Store) -> anyhow::Result<String> {
    let now = Utc::now();
    let mut out = String::new();
    for shop in &cfg.shops {
        let tz = shop.tz();
        let next = shop_next(shop, now).map(|t| t.with_timezone(&tz).to_rfc3339()).unwrap_or_else(|| "never".into());
        out.push_str(&format!("{} ({}, {}-level)\n", shop.id, shop.name, shop.level.as_str()));
        match store.latest_close(&shop.id)? {
            None => out.push_str("  last close:  none yet\n"),
            Some(c) => {
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
                    c.slot.with_timezone(&tz).to_rfc3339()
                ));
                if c.state == CloseState::MarkUnknown {
                    out.push_str(&format!("  STUCK:       mark outcome unknown; see README, then `seqr-recon run --shop {} --confirm-remark`\n", shop.id));
                } else if !c.state.is_complete() {
                    out.push_str(&format!(
                        "  STUCK:       unfinished close{}; `seqr-recon run --shop {}` resumes it\n",
                        c.error.as_deref().map(|e| format!(" (last error: {e})")).unwrap_or_default(),
                        shop.id
                    ));
                }
            }
        }
        let (unsent, unknown) = store.mail_waiting(&shop.id)?;
        if unsent > 0 {
            out.push_str(&format!("  outbox:      {unsent} email(s) not yet delivered; the next run retries\n"));
        }
        if unknown > 0 {
            out.push_str(&format!(
                "  outbox:      {unknown} email(s) handed to SMTP by a run that stopped before SMTP's answer was \
                 recorded; maybe delivered, not sent again by themselves: ask the recipients, and \
                 `seqr-recon resend` if they lack it\n"
            ));
        }
        let refunds = store.refunds_in_doubt(&shop.id)?;
        if refunds > 0 {
            out.push_str(&format!(
                "  refunds:     {refunds} refund(s) with an unknown outcome (SEQR may have made them); the next \
                 close links SEQR's refund row; `SELECT * FROM refund_attempts` lists them\n"
            ));
        }
        out.push_str(&format!("  next close:  {next}\n"));
    }
    Ok(out)
}
