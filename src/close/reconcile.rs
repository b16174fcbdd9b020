//! Step 3: link refunds of unknown outcome to SEQR's rows, classify the close,
//! and record what it was reconciled from. The closes of a run that are ready
//! at the same moment are classified together ([`Classifier`]).

use chrono::Utc;

use super::{reread, CloseContext};
use crate::config::{ReconcileSettings, Shop};
use crate::domain::CloseState;
use crate::failpoint::failpoint;
use crate::reconcile::reconcile_closes;
use crate::store::seqr_data::CloseRow;
use crate::store::Store;

/// Reconciles the close and moves it to `reconciled`.
pub(super) async fn step(store: &Store, shop: &Shop, ctx: &CloseContext, close: &CloseRow) -> anyhow::Result<CloseRow> {
    let started = Utc::now();
    let linked = store.link_unknown_refunds(&shop.id, &shop.currency)?;
    if linked > 0 {
        let detail = format!("{linked} refund(s) of unknown outcome found in SEQR's report");
        ctx.record_step(store, close, "link-refunds", started, "ok", &detail);
    }
    ctx.classifier.classify(store, ctx, &shop.id, close.close_seq).await?;
    let counts = store.category_counts(&shop.id, close.close_seq)?;
    store.record_close_inputs(&close.close_id, &ctx.run_id, &ctx.cfg.snapshot)?;
    let counts: Vec<(String, i64)> = counts.into_iter().map(|(c, n)| (c.to_string(), n)).collect();
    ctx.record_step(store, close, "reconcile", started, "ok", &format!("{counts:?}"));
    store.set_close_state(&close.close_id, CloseState::Reconciled, None)?;
    failpoint("reconciled");
    reread(store, close)
}

/// At most this many closes are classified in one statement, so that one
/// statement's memory stays about that of one big close.
const MAX_CLOSES_AT_ONCE: usize = 64;

/// Classifies the closes waiting for it together. Planning the classification
/// costs about ten times what running it costs for a small shop, so a run of
/// 500 small closes classified one by one spent most of its time planning.
/// There is no timer and no classifier thread: the first waiting close to
/// find no classification running classifies every close waiting (its own
/// among them) on its own connection, in a heavy-database turn; the closes
/// that arrive meanwhile wait for the next round.
#[derive(Default)]
pub(super) struct Classifier {
    waiting: std::sync::Mutex<Vec<Waiting>>,
    running: tokio::sync::Mutex<()>,
}

/// A close waiting to be classified, and where its outcome goes.
struct Waiting {
    shop_id: String,
    close_seq: i64,
    done: tokio::sync::oneshot::Sender<Result<(), String>>,
}

impl Classifier {
    /// Classifies close `close_seq` of `shop_id`, with whichever closes are waiting beside it.
    async fn classify(&self, store: &Store, ctx: &CloseContext, shop_id: &str, close_seq: i64) -> anyhow::Result<()> {
        let (done, mut outcome) = tokio::sync::oneshot::channel();
        self.lock_waiting().push(Waiting { shop_id: shop_id.to_string(), close_seq, done });
        loop {
            tokio::select! {
                biased;
                outcome = &mut outcome => {
                    let outcome = outcome.map_err(|_| anyhow::anyhow!("the close classifying shop {shop_id}'s vanished"))?;
                    return outcome.map_err(anyhow::Error::msg);
                }
                _running = self.running.lock() => {
                    let _turn = ctx.heavy_db_turn().await;
                    let batch: Vec<Waiting> = {
                        let mut waiting = self.lock_waiting();
                        let n = waiting.len().min(MAX_CLOSES_AT_ONCE);
                        waiting.drain(..n).collect()
                    };
                    if !batch.is_empty() {
                        classify_together(store, &ctx.cfg.reconcile, batch);
                    }
                }
            }
        }
    }

    fn lock_waiting(&self) -> std::sync::MutexGuard<'_, Vec<Waiting>> {
        self.waiting.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Classifies `batch` in one transaction and tells each close the outcome.
/// When that fails, each close is classified alone, so that one shop's
/// failure fails only its own close.
fn classify_together(store: &Store, settings: &ReconcileSettings, batch: Vec<Waiting>) {
    let closes: Vec<(&str, i64)> = batch.iter().map(|w| (w.shop_id.as_str(), w.close_seq)).collect();
    let together = reconcile_closes(store, &closes, settings);
    if together.is_ok() || batch.len() == 1 {
        let outcome = together.map_err(|e| format!("{e:#}"));
        for w in batch {
            // A close that stopped waiting finds its result stored.
            let _ = w.done.send(outcome.clone());
        }
        return;
    }
    for w in batch {
        let alone = reconcile_closes(store, &[(&w.shop_id, w.close_seq)], settings).map_err(|e| format!("{e:#}"));
        let _ = w.done.send(alone);
    }
}
