//! Step 6, when `[lake]` is set: publish the close, and any the lake still
//! lacks, as Parquet for head office. The close is `emailed` by then; what is
//! published is read from the lake itself, so a failed publish needs no state
//! of its own: the next close of the shop, or `seqr-recon lake export`,
//! publishes what is missing.

use chrono::Utc;

use super::context::CloseContext;
use super::db::Db;
use crate::config::Shop;
use crate::lake::Lake;
use crate::store::seqr_data::CloseRow;
use crate::store::Store;

/// Publishes the shop's closes the lake lacks: this one, and any whose
/// publishing failed before. Recorded as the step `lake`.
pub(super) async fn publish_to_lake(db: &Db, shop: &Shop, ctx: &CloseContext, close: &CloseRow) -> anyhow::Result<()> {
    let Some(lake) = &ctx.lake else { return Ok(()) };
    let _turn = ctx.heavy_db_turn().await;
    db.with(|store| publish(store, shop, ctx, lake, close))
}

fn publish(store: &Store, shop: &Shop, ctx: &CloseContext, lake: &Lake, close: &CloseRow) -> anyhow::Result<()> {
    let started = Utc::now();
    match lake.publish_unpublished(store, shop) {
        Ok(published) => {
            let names: Vec<String> = published.iter().map(|p| format!("{} ({} rows)", p.close_id, p.rows)).collect();
            ctx.record_step(close, "lake", started, "ok", &names.join(", "));
            Ok(())
        }
        Err(e) => {
            ctx.record_step(close, "lake", started, "failed", &format!("{e:#}"));
            Err(e.context(format!(
                "close {} of shop {} is done and its report is sent or queued, but publishing it to the lake {} \
                 failed",
                close.close_id,
                shop.id,
                lake.dir().display()
            )))
        }
    }
}
