//! What accountants do to the exceptions of a shop: acknowledge one (someone
//! is on it), snooze it until a day, resolve it, reopen it; and read its
//! history and the shop's to-do list. Every change goes to the audit trail
//! (`item_events`) with who and why; the CLI (`seqr-recon exception …`) goes
//! through here.
//!
//! Items are named as the report names them: the shop and the ersReference
//! (or invoice reference).

use chrono::{DateTime, NaiveDate, Utc};

use crate::config::Shop;
use crate::domain::{Category, CloseKey, ItemEvent, Resolution, ShopId};
use crate::export::todo::Agenda;
use crate::store::exceptions::{HistoryLine, ItemChange, OpenException};
use crate::store::reconcile::TodoList;
use crate::store::Store;

/// Records that the open exceptions of `reference` were dealt with. Returns
/// how many exceptions were resolved.
pub fn resolve(
    store: &Store,
    shop_id: &ShopId,
    reference: &str,
    how: Resolution,
    why: &str,
    by: &str,
) -> anyhow::Result<usize> {
    required(why, "say why the exception is resolved (--why)")?;
    let open = open_exceptions(store, shop_id, reference)?;
    // A rejected probable match records the pair, so it is never proposed again;
    // both items stay open under their own category. Anything else closes the items.
    let items: Vec<(Category, String)> = if how == Resolution::Rejected {
        if let Some(e) = open.iter().find(|e| e.category != Category::ProbableMatch) {
            anyhow::bail!(
                "{reference} is {}, not a PROBABLE_MATCH: only a probable match can be rejected; \
                 use --how refund, correction, write-off or confirmed",
                e.category
            );
        }
        open.iter()
            .map(|e| {
                let pair =
                    format!("X:{}|{}", e.local_key.as_deref().unwrap_or(""), e.seqr_key.as_deref().unwrap_or(""));
                (e.category, pair)
            })
            .collect()
    } else {
        open.iter().flat_map(|e| keys(e).into_iter().map(|k| (e.category, k))).collect()
    };
    store.record_resolutions(shop_id, reference, &items, by, how, why)?;
    Ok(open.len())
}

/// Records that someone is on the open exceptions of `reference`: they stay
/// listed, without asking anyone else to act. Returns how many.
pub fn acknowledge(store: &Store, shop_id: &ShopId, reference: &str, note: &str, by: &str) -> anyhow::Result<usize> {
    required(note, "say who is on it and what they do (--note)")?;
    let change = ItemChange { event: ItemEvent::Acknowledged, until: None, how: None, note, by };
    change_open(store, shop_id, reference, &change)
}

/// Takes the open exceptions of `reference` off the list until `until` (a day
/// of the shop, after today). Returns how many.
pub fn snooze(
    store: &Store,
    shop: &Shop,
    reference: &str,
    until: NaiveDate,
    note: &str,
    by: &str,
) -> anyhow::Result<usize> {
    required(note, "say why it can wait (--note)")?;
    let today = Utc::now().with_timezone(&shop.tz()).date_naive();
    if until <= today {
        anyhow::bail!("{until} is not after today ({today} in {}): snooze until a later day", shop.tz().name());
    }
    let change = ItemChange { event: ItemEvent::Snoozed, until: Some(until), how: None, note, by };
    change_open(store, &shop.id, reference, &change)
}

/// Opens again the items of `reference` resolved by hand: the next close
/// classifies them as if nobody had. Returns how many items.
pub fn reopen(store: &Store, shop_id: &ShopId, reference: &str, why: &str, by: &str) -> anyhow::Result<usize> {
    required(why, "say why it is open again (--why)")?;
    let keys = store.resolved_keys_of(shop_id, reference)?;
    if keys.is_empty() {
        anyhow::bail!(
            "shop {shop_id} has nothing of {reference} resolved by hand; `seqr-recon exception history --shop \
             {shop_id} --reference {reference}` shows what was done to it"
        );
    }
    let change = ItemChange { event: ItemEvent::Reopened, until: None, how: None, note: why, by };
    store.record_item_change(shop_id, reference, &keys, &change)?;
    Ok(keys.len())
}

/// Every change to the items of `reference`, oldest first.
pub fn history(store: &Store, shop_id: &ShopId, reference: &str) -> anyhow::Result<Vec<HistoryLine>> {
    store.item_history(shop_id, reference)
}

/// The to-do list of a shop's latest close.
#[derive(Debug, Clone)]
pub struct LatestTodo {
    /// The close's number.
    pub close_seq: i64,
    /// SEQR's time of its mark.
    pub marked_at: DateTime<Utc>,
    /// Its to-do list.
    pub list: TodoList,
}

impl LatestTodo {
    /// The list as accountants read it today in `shop`'s calendar.
    pub fn agenda(&self, shop: &Shop) -> Agenda<'_> {
        let today = Utc::now().with_timezone(&shop.tz()).date_naive();
        Agenda::new(&self.list, self.close_seq, self.marked_at, today, shop.tz())
    }
}

/// The to-do list of the shop's latest close (none before its first).
pub fn todo(store: &Store, shop_id: &ShopId) -> anyhow::Result<Option<LatestTodo>> {
    let Some(close_seq) = store.latest_close_of(shop_id)? else { return Ok(None) };
    let mut lists = store.todo_lists(&[CloseKey::new(shop_id, close_seq)], TodoList::HELD)?;
    let marked_at = store.close_span(shop_id, close_seq)?.1.unwrap_or_else(Utc::now);
    Ok(Some(LatestTodo { close_seq, marked_at, list: lists.remove(shop_id).unwrap_or_default() }))
}

fn change_open(store: &Store, shop_id: &ShopId, reference: &str, change: &ItemChange<'_>) -> anyhow::Result<usize> {
    let open = open_exceptions(store, shop_id, reference)?;
    let keys: Vec<String> = open.iter().flat_map(keys).collect();
    store.record_item_change(shop_id, reference, &keys, change)?;
    Ok(open.len())
}

fn open_exceptions(store: &Store, shop_id: &ShopId, reference: &str) -> anyhow::Result<Vec<OpenException>> {
    let open = store.open_exceptions_of(shop_id, reference)?;
    if open.is_empty() {
        anyhow::bail!(
            "shop {shop_id} has no open exception for {reference}; `seqr-recon exception list --shop {shop_id}` \
             lists them"
        );
    }
    Ok(open)
}

fn keys(e: &OpenException) -> Vec<String> {
    [&e.local_key, &e.seqr_key, &e.invoice_key].into_iter().flatten().cloned().collect()
}

fn required(text: &str, what: &str) -> anyhow::Result<()> {
    if text.trim().is_empty() {
        anyhow::bail!("the audit trail needs a note: {what}");
    }
    Ok(())
}
