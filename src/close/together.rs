//! Work whose cost is mostly DuckDB planning its statement, about the same
//! for one close as for many: classifying, self-checking, and reading the
//! rows of the files. Planning the classification costs about ten times what
//! running it costs for a small shop, so a run of 500 small closes done one
//! by one spent most of its time planning. The closes of a run ready for such
//! work at the same moment do it together, in one statement per query.
//!
//! There is no timer and no extra thread: the first waiting close to find
//! none of this work running takes the closes waiting (its own among them;
//! one per shop, at most [`MAX_CLOSES_AT_ONCE`]) and does the work for all of
//! them on its own connection, in a heavy-database turn; the closes that
//! arrive meanwhile wait for the next round.

use crate::domain::{CloseKey, ShopId};

/// At most this many closes are taken at once, so that one statement's
/// memory stays about that of one big close.
const MAX_CLOSES_AT_ONCE: usize = 64;

/// One kind of work done together; `T` is what each close gets back.
pub(super) struct Together<T> {
    waiting: std::sync::Mutex<Vec<Waiting<T>>>,
    running: tokio::sync::Mutex<()>,
}

/// A close waiting for the work, and where its outcome goes.
struct Waiting<T> {
    shop_id: ShopId,
    close_seq: i64,
    done: tokio::sync::oneshot::Sender<Result<T, String>>,
}

impl<T> Default for Together<T> {
    fn default() -> Self {
        Together { waiting: std::sync::Mutex::default(), running: tokio::sync::Mutex::default() }
    }
}

impl<T> Together<T> {
    /// Does `work` for close `close_seq` of `shop_id`, with whichever closes
    /// are waiting beside it. `work` takes closes (shop, close number; one
    /// per shop) and returns one outcome per close, in their order.
    pub(super) async fn run<F>(
        &self,
        heavy_db: &tokio::sync::Semaphore,
        shop_id: &ShopId,
        close_seq: i64,
        work: F,
    ) -> anyhow::Result<T>
    where
        F: Fn(&[CloseKey<'_>]) -> anyhow::Result<Vec<T>>,
    {
        let (done, mut outcome) = tokio::sync::oneshot::channel();
        self.lock_waiting().push(Waiting { shop_id: shop_id.clone(), close_seq, done });
        loop {
            tokio::select! {
                biased;
                outcome = &mut outcome => {
                    let outcome = outcome.map_err(|_| anyhow::anyhow!("the close working for shop {shop_id} vanished"))?;
                    return outcome.map_err(anyhow::Error::msg);
                }
                _running = self.running.lock() => {
                    let _turn = heavy_db.acquire().await.expect("the semaphore is never closed");
                    let batch = take_round(&mut self.lock_waiting());
                    if !batch.is_empty() {
                        do_together(batch, &work);
                    }
                }
            }
        }
    }

    fn lock_waiting(&self) -> std::sync::MutexGuard<'_, Vec<Waiting<T>>> {
        self.waiting.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The closes of one round, in the order they came: at most
/// [`MAX_CLOSES_AT_ONCE`], and one per shop, as the queries join on the shop
/// (a shop's second close waits for the next round).
fn take_round<T>(waiting: &mut Vec<Waiting<T>>) -> Vec<Waiting<T>> {
    let mut round: Vec<Waiting<T>> = Vec::new();
    let mut i = 0;
    while i < waiting.len() && round.len() < MAX_CLOSES_AT_ONCE {
        if round.iter().any(|w| w.shop_id == waiting[i].shop_id) {
            i += 1;
        } else {
            round.push(waiting.remove(i));
        }
    }
    round
}

/// Does `work` for `batch` at once and tells each close its outcome. When
/// that fails, each close is done alone, so that one shop's failure fails
/// only its own close.
fn do_together<T, F>(batch: Vec<Waiting<T>>, work: &F)
where
    F: Fn(&[CloseKey<'_>]) -> anyhow::Result<Vec<T>>,
{
    let closes: Vec<CloseKey<'_>> = batch.iter().map(|w| CloseKey::new(&w.shop_id, w.close_seq)).collect();
    tracing::debug!(closes = closes.len(), "together");
    let together = work(&closes).and_then(|outcomes| {
        anyhow::ensure!(outcomes.len() == closes.len(), "{} outcomes for {} closes", outcomes.len(), closes.len());
        Ok(outcomes)
    });
    match together {
        // A close that stopped waiting (its task ended) needs no answer.
        Ok(outcomes) => batch.into_iter().zip(outcomes).for_each(|(w, outcome)| drop(w.done.send(Ok(outcome)))),
        Err(e) if batch.len() == 1 => batch.into_iter().for_each(|w| drop(w.done.send(Err(format!("{e:#}"))))),
        Err(_) => {
            for w in batch {
                let alone = work(&[CloseKey::new(&w.shop_id, w.close_seq)])
                    .and_then(|mut outcomes| outcomes.pop().ok_or_else(|| anyhow::anyhow!("no outcome for one close")))
                    .map_err(|e| format!("{e:#}"));
                drop(w.done.send(alone));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shop(id: &'static str) -> ShopId {
        ShopId::from_static(id)
    }

    /// Closes waiting for `work`, with the receivers of their outcomes.
    #[allow(clippy::type_complexity)]
    fn waiting(shops: &[&str]) -> (Vec<Waiting<String>>, Vec<tokio::sync::oneshot::Receiver<Result<String, String>>>) {
        shops
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let (done, outcome) = tokio::sync::oneshot::channel();
                (Waiting { shop_id: ShopId::parse(*id).unwrap(), close_seq: i as i64 + 1, done }, outcome)
            })
            .unzip()
    }

    #[test]
    fn a_round_takes_one_close_per_shop_and_at_most_the_limit_in_order() {
        let (mut queue, _outcomes) = waiting(&["shop-a", "shop-b", "shop-a", "shop-c"]);
        let round: Vec<(ShopId, i64)> = take_round(&mut queue).into_iter().map(|w| (w.shop_id, w.close_seq)).collect();
        assert_eq!(round, vec![(shop("shop-a"), 1), (shop("shop-b"), 2), (shop("shop-c"), 4)]);
        let left: Vec<(ShopId, i64)> = queue.into_iter().map(|w| (w.shop_id, w.close_seq)).collect();
        assert_eq!(left, vec![(shop("shop-a"), 3)], "a shop's second close waits for the next round");

        let shops: Vec<String> = (0..MAX_CLOSES_AT_ONCE + 3).map(|i| format!("shop-{i}")).collect();
        let (mut queue, _outcomes) = waiting(&shops.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(take_round(&mut queue).len(), MAX_CLOSES_AT_ONCE);
        assert_eq!(queue.len(), 3);
    }

    #[test]
    fn each_close_gets_its_own_outcome_and_a_failing_batch_fails_only_the_close_that_fails_alone() {
        let calls = std::cell::RefCell::new(Vec::new());
        // Fails whenever shop-b is among the closes, as a statement fails on one shop's data.
        let work = |closes: &[CloseKey<'_>]| -> anyhow::Result<Vec<String>> {
            calls.borrow_mut().push(closes.len());
            anyhow::ensure!(closes.iter().all(|c| c.shop_id != "shop-b"), "shop-b's data is bad");
            Ok(closes.iter().map(|c| format!("{}/{}", c.shop_id, c.close_seq)).collect())
        };
        let (batch, outcomes) = waiting(&["shop-a", "shop-c"]);
        do_together(batch, &work);
        let got: Vec<_> = outcomes.into_iter().map(|mut o| o.try_recv().unwrap()).collect();
        assert_eq!(got, vec![Ok("shop-a/1".to_string()), Ok("shop-c/2".to_string())]);
        assert_eq!(*calls.borrow(), vec![2], "one statement for both");

        calls.borrow_mut().clear();
        let (batch, outcomes) = waiting(&["shop-a", "shop-b", "shop-c"]);
        do_together(batch, &work);
        let got: Vec<_> = outcomes.into_iter().map(|mut o| o.try_recv().unwrap()).collect();
        let failed = Err("shop-b's data is bad".to_string());
        assert_eq!(got, vec![Ok("shop-a/1".to_string()), failed, Ok("shop-c/3".to_string())]);
        assert_eq!(*calls.borrow(), vec![3, 1, 1, 1], "the batch, then each close alone");
    }
}
