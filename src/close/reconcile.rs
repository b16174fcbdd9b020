//! Step 3: link refunds of unknown outcome to SEQR's rows, classify the close,
//! and record what it was reconciled from. The closes of a run that are ready
//! at the same moment are classified together (see [`super::together`]).

use chrono::Utc;

use super::context::CloseContext;
use super::db::Db;
use crate::config::Shop;
use crate::domain::{CloseKey, CloseState};
use crate::failpoint::failpoint;
use crate::reconcile::reconcile_closes;
use crate::store::seqr_data::CloseRow;

/// Reconciles the close and moves it to `reconciled`.
pub(super) async fn classify(db: &Db, shop: &Shop, ctx: &CloseContext, close: &CloseRow) -> anyhow::Result<CloseRow> {
    let started = Utc::now();
    db.with(|store| {
        let linked = store.link_unknown_refunds(&shop.id, &shop.currency)?;
        if linked > 0 {
            let detail = format!("{linked} refund(s) of unknown outcome found in SEQR's report");
            ctx.record_step(close, "link-refunds", started, "ok", &detail);
        }
        Ok(())
    })?;
    let settings = &ctx.cfg.reconcile;
    let classify = |closes: &[CloseKey<'_>]| {
        db.with(|store| reconcile_closes(store, closes, settings)).map(|()| vec![(); closes.len()])
    };
    ctx.classifying.run(&ctx.heavy_db, &shop.id, close.close_seq, classify).await?;
    db.with(|store| {
        let counts = store.category_counts(&shop.id, close.close_seq)?;
        store.record_close_inputs(close, &ctx.run_id, &ctx.cfg.snapshot)?;
        let counts: Vec<(String, i64)> = counts.into_iter().map(|(c, n)| (c.to_string(), n)).collect();
        ctx.record_step(close, "reconcile", started, "ok", &format!("{counts:?}"));
        let reconciled = store.set_close_state(&close.close_id, CloseState::Reconciled, None)?;
        failpoint("reconciled");
        Ok(reconciled)
    })
}
