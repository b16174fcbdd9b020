//! What accountants do to exceptions: acknowledge, snooze, resolve, reopen;
//! each change kept in the audit trail (`item_events`).

use chrono::{DateTime, NaiveDate, Utc};

use super::{queries, Store};
use crate::domain::{Category, ItemEvent, Resolution, ShopId};

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
    pub fn open_exceptions_of(&self, shop_id: &ShopId, reference: &str) -> anyhow::Result<Vec<OpenException>> {
        self.query_all(queries::OPEN_EXCEPTIONS_OF, &[("shop_id", &shop_id), ("reference", &reference)], |r| {
            Ok(OpenException { category: r.get(0)?, local_key: r.get(1)?, seqr_key: r.get(2)?, invoice_key: r.get(3)? })
        })
    }

    /// Records resolutions of items (`(category, item key)`) of `reference`,
    /// all or none, each also in the audit trail (but a rejected probable
    /// match, which names a pair, not an item).
    pub fn record_resolutions(
        &self,
        shop_id: &ShopId,
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
                tx.execute(queries::CLOSE_OPEN_ITEM, &[("item_key", key)])?;
                let change = ItemChange { event: ItemEvent::Resolved, until: None, how: Some(how), note: why, by };
                insert_event(&tx, shop_id, reference, key, &change)?;
            }
        }
        tx.commit()
    }

    /// Records one change to items of `reference` (their keys), all or none.
    pub fn record_item_change(
        &self,
        shop_id: &ShopId,
        reference: &str,
        keys: &[String],
        change: &ItemChange<'_>,
    ) -> anyhow::Result<()> {
        let tx = self.transaction()?;
        for key in keys {
            if change.event == ItemEvent::Reopened {
                tx.execute(queries::DROP_RESOLUTION, &[("item_key", key)])?;
                tx.execute(queries::REOPEN_OPEN_ITEM, &[("item_key", key)])?;
            }
            insert_event(&tx, shop_id, reference, key, change)?;
        }
        tx.commit()
    }

    /// The items of `reference` that stand resolved by hand, by key.
    pub fn resolved_keys_of(&self, shop_id: &ShopId, reference: &str) -> anyhow::Result<Vec<String>> {
        self.query_all(queries::RESOLVED_KEYS_OF, &[("shop_id", &shop_id), ("reference", &reference)], |r| r.get(0))
    }

    /// Every change to the items of `reference`, oldest first.
    pub fn item_history(&self, shop_id: &ShopId, reference: &str) -> anyhow::Result<Vec<HistoryLine>> {
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

    /// Everything about the items of `reference` for their page: every close
    /// that showed them, SEQR's rows and the tills' posts with where each
    /// came from, and every change accountants made.
    pub fn item_page(&self, shop_id: &ShopId, reference: &str) -> anyhow::Result<ItemPage> {
        let params: [super::Param<'_>; 2] = [("shop_id", &shop_id), ("reference", &reference)];
        Ok(ItemPage {
            appearances: self.query_all(queries::ITEM_APPEARANCES, &params, |r| {
                Ok(Appearance {
                    close_seq: r.get(0)?,
                    period_id: r.get(1)?,
                    category: r.get(2)?,
                    terminal_id: r.get(3)?,
                    cashier_id: r.get(4)?,
                    local_amount: r.get(5)?,
                    seqr_amount: r.get(6)?,
                    detail: r.get(7)?,
                })
            })?,
            seqr_rows: self.query_all(queries::SEQR_ROWS_OF, &params, |r| {
                Ok(SeqrRowSource {
                    period_id: r.get(0)?,
                    report_id: r.get(1)?,
                    row_no: r.get(2)?,
                    terminal_id: r.get(3)?,
                    cashier_id: r.get(4)?,
                    amount: r.get(5)?,
                    fetched_at: r.get(6)?,
                    response_sha256: r.get(7)?,
                    client_reference: r.get(8)?,
                })
            })?,
            posts: self.query_all(queries::POSTS_OF, &params, |r| {
                Ok(PostSource {
                    file_name: r.get(0)?,
                    line: r.get(1)?,
                    terminal_id: r.get(2)?,
                    cashier_id: r.get(3)?,
                    kind: r.get(4)?,
                    amount: r.get(5)?,
                    posted_at: r.get(6)?,
                    sha256: r.get(7)?,
                })
            })?,
            invoices: self.query_all(queries::INVOICES_OF, &params, |r| {
                Ok(InvoiceSource {
                    file_name: r.get(0)?,
                    line: r.get(1)?,
                    terminal_id: r.get(2)?,
                    amount: r.get(3)?,
                    sent_at: r.get(4)?,
                    last_status: r.get(5)?,
                    last_polled_at: r.get(6)?,
                })
            })?,
            history: self.item_history(shop_id, reference)?,
        })
    }

    /// A shop's latest closes, newest first.
    pub fn recent_closes(&self, shop_id: &ShopId) -> anyhow::Result<Vec<CloseLine>> {
        self.query_all(queries::RECENT_CLOSES, &[("shop_id", &shop_id)], |r| {
            Ok(CloseLine {
                close_seq: r.get(0)?,
                period_id: r.get(1)?,
                state: r.get(2)?,
                created_at: r.get(3)?,
                exceptions: r.get(4)?,
                eml_path: r.get(5)?,
            })
        })
    }

    /// The shop's latest classified close, if any.
    pub fn latest_close_of(&self, shop_id: &ShopId) -> anyhow::Result<Option<i64>> {
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

/// The items of one reference, for their page (see [`Store::item_page`]).
#[derive(Debug, Clone, Default)]
pub struct ItemPage {
    /// Every close that showed them, oldest first.
    pub appearances: Vec<Appearance>,
    /// SEQR's rows of the reference, with their reports.
    pub seqr_rows: Vec<SeqrRowSource>,
    /// The tills' posts of the reference, with their files.
    pub posts: Vec<PostSource>,
    /// The tills' invoice journal lines of the reference, with their files.
    pub invoices: Vec<InvoiceSource>,
    /// Every change accountants made, oldest first.
    pub history: Vec<HistoryLine>,
}

impl ItemPage {
    /// Whether the shop has anything under the reference.
    pub fn is_empty(&self) -> bool {
        self.appearances.is_empty() && self.seqr_rows.is_empty() && self.posts.is_empty() && self.invoices.is_empty()
    }
}

/// A close that showed an item.
#[derive(Debug, Clone)]
pub struct Appearance {
    /// The close's number.
    pub close_seq: i64,
    /// Its label period.
    pub period_id: String,
    /// What it said.
    pub category: Category,
    /// The terminal.
    pub terminal_id: Option<String>,
    /// The cashier.
    pub cashier_id: Option<String>,
    /// The till's amount.
    pub local_amount: Option<rust_decimal::Decimal>,
    /// SEQR's amount.
    pub seqr_amount: Option<rust_decimal::Decimal>,
    /// What happened.
    pub detail: Option<String>,
}

/// A SEQR row and the report it came from.
#[derive(Debug, Clone)]
pub struct SeqrRowSource {
    /// The period.
    pub period_id: String,
    /// The report.
    pub report_id: String,
    /// Its row.
    pub row_no: i32,
    /// The terminal.
    pub terminal_id: Option<String>,
    /// The cashier.
    pub cashier_id: Option<String>,
    /// The amount.
    pub amount: rust_decimal::Decimal,
    /// When the report was fetched.
    pub fetched_at: Option<DateTime<Utc>>,
    /// SHA-256 of SEQR's answer.
    pub response_sha256: Option<String>,
    /// The clientReference of the call, for SEQR support.
    pub client_reference: Option<String>,
}

/// A till's post and the file it came from.
#[derive(Debug, Clone)]
pub struct PostSource {
    /// The file's name.
    pub file_name: String,
    /// Its line.
    pub line: i64,
    /// The terminal.
    pub terminal_id: String,
    /// The cashier.
    pub cashier_id: Option<String>,
    /// PAYMENT or REFUND.
    pub kind: String,
    /// The amount.
    pub amount: rust_decimal::Decimal,
    /// The till's time.
    pub posted_at: DateTime<Utc>,
    /// SHA-256 of the file.
    pub sha256: String,
}

/// A till's invoice journal line and the file it came from.
#[derive(Debug, Clone)]
pub struct InvoiceSource {
    /// The file's name.
    pub file_name: String,
    /// Its line.
    pub line: i64,
    /// The terminal.
    pub terminal_id: String,
    /// The invoice's total.
    pub amount: rust_decimal::Decimal,
    /// When sendInvoice was made.
    pub sent_at: DateTime<Utc>,
    /// The status the till last learnt (none: never polled).
    pub last_status: Option<String>,
    /// When.
    pub last_polled_at: Option<DateTime<Utc>>,
}

/// A close of a shop, for the closes page.
#[derive(Debug, Clone)]
pub struct CloseLine {
    /// Its number.
    pub close_seq: i64,
    /// Its label period (none before its mark).
    pub period_id: Option<String>,
    /// Its state.
    pub state: String,
    /// When it began.
    pub created_at: DateTime<Utc>,
    /// The exceptions it shows.
    pub exceptions: i64,
    /// Its report email's file, once queued.
    pub eml_path: Option<String>,
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
    shop_id: &ShopId,
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
