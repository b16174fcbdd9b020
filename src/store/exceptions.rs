//! What accountants do to exceptions: acknowledge, snooze, resolve, reopen;
//! each change kept in the audit trail (`item_events`).

use chrono::{DateTime, NaiveDate, Utc};

use super::{queries, Store};
use crate::domain::{Category, ItemEvent, Resolution};

/// An open exception: its category and the keys of its items.
#[derive(Debug, Clone)]
pub struct OpenException {
    /// Its category.
    pub category: Category,
    /// The local post's key.
    pub local_key: Option<String>,
    /// SEQR's row's key.
    pub seqr_key: Option<String>,
    /// The invoice's key.
    pub invoice_key: Option<String>,
}

impl Store {
    /// The open exceptions of an ersReference or invoice reference.
    pub fn open_exceptions_of(&self, shop_id: &str, reference: &str) -> anyhow::Result<Vec<OpenException>> {
        self.query_all(queries::OPEN_EXCEPTIONS_OF, &[("shop_id", &shop_id), ("reference", &reference)], |r| {
            Ok(OpenException { category: r.get(0)?, local_key: r.get(1)?, seqr_key: r.get(2)?, invoice_key: r.get(3)? })
        })
    }

    /// Records resolutions of items (`(category, item key)`) of `reference`,
    /// all or none, each also in the audit trail (but a rejected probable
    /// match, which names a pair, not an item).
    pub fn record_resolutions(
        &self,
        shop_id: &str,
        reference: &str,
        items: &[(Category, String)],
        by: &str,
        how: Resolution,
        why: &str,
    ) -> anyhow::Result<()> {
        let tx = self.transaction()?;
        for (category, key) in items {
            tx.execute(
                queries::INSERT_RESOLUTION,
                &[("item_key", key), ("category", category), ("resolved_by", &by), ("how", &how), ("why", &why)],
            )?;
            if how != Resolution::Rejected {
                let change = ItemChange { event: ItemEvent::Resolved, until: None, how: Some(how), note: why, by };
                insert_event(&tx, shop_id, reference, key, &change)?;
            }
        }
        tx.commit()
    }

    /// Records one change to items of `reference` (their keys), all or none.
    pub fn record_item_change(
        &self,
        shop_id: &str,
        reference: &str,
        keys: &[String],
        change: &ItemChange<'_>,
    ) -> anyhow::Result<()> {
        let tx = self.transaction()?;
        for key in keys {
            if change.event == ItemEvent::Reopened {
                tx.execute(queries::DROP_RESOLUTION, &[("item_key", key)])?;
            }
            insert_event(&tx, shop_id, reference, key, change)?;
        }
        tx.commit()
    }

    /// The items of `reference` that stand resolved by hand, by key.
    pub fn resolved_keys_of(&self, shop_id: &str, reference: &str) -> anyhow::Result<Vec<String>> {
        self.query_all(queries::RESOLVED_KEYS_OF, &[("shop_id", &shop_id), ("reference", &reference)], |r| r.get(0))
    }

    /// Every change to the items of `reference`, oldest first.
    pub fn item_history(&self, shop_id: &str, reference: &str) -> anyhow::Result<Vec<HistoryLine>> {
        self.query_all(queries::ITEM_HISTORY, &[("shop_id", &shop_id), ("reference", &reference)], |r| {
            Ok(HistoryLine {
                at: r.get(0)?,
                event: r.get(1)?,
                item_key: r.get(2)?,
                until: r.get(3)?,
                how: r.get(4)?,
                note: r.get(5)?,
                by: r.get(6)?,
            })
        })
    }

    /// The shop's latest classified close, if any.
    pub fn latest_close_of(&self, shop_id: &str) -> anyhow::Result<Option<i64>> {
        self.query_one(queries::LATEST_CLOSE_OF, &[("shop_id", &shop_id)], |r| r.get(0))
    }
}

/// A change an accountant makes to items.
#[derive(Debug, Clone)]
pub struct ItemChange<'a> {
    /// What is done.
    pub event: ItemEvent,
    /// Snoozed: the shop's day the items are listed again.
    pub until: Option<NaiveDate>,
    /// Resolved: how.
    pub how: Option<Resolution>,
    /// Why, in the accountant's words.
    pub note: &'a str,
    /// Who.
    pub by: &'a str,
}

/// One change of an item's history.
#[derive(Debug, Clone)]
pub struct HistoryLine {
    /// When (UTC).
    pub at: DateTime<Utc>,
    /// What was done.
    pub event: ItemEvent,
    /// The item's key.
    pub item_key: String,
    /// Snoozed until.
    pub until: Option<NaiveDate>,
    /// Resolved: how.
    pub how: Option<String>,
    /// Why.
    pub note: String,
    /// Who.
    pub by: String,
}

fn insert_event(
    store: &Store,
    shop_id: &str,
    reference: &str,
    key: &str,
    change: &ItemChange<'_>,
) -> anyhow::Result<()> {
    let how = change.how.map(Resolution::as_str);
    store.execute(
        queries::INSERT_ITEM_EVENT,
        &[
            ("shop_id", &shop_id),
            ("item_key", &key),
            ("reference", &reference),
            ("event", &change.event),
            ("until", &change.until),
            ("how", &how),
            ("note", &change.note),
            ("by_user", &change.by),
        ],
    )?;
    Ok(())
}
