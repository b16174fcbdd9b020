//! Reconciliation in the database: classifying a close (`queries/reconcile/`),
//! checking it, reading its summary and exceptions back, and what recomputing
//! a stored close needs.

use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use duckdb::types::{FromSql, Value};
use rust_decimal::Decimal;

use super::{by_shop, execute_named, queries, Store};
use crate::domain::{Category, CloseKey, CloseState, ItemEvent, ShopId};

/// The settings the classification queries take.
#[derive(Debug, Clone, Copy)]
pub struct ClassifyParams {
    /// Probable matches: the largest amount difference.
    pub amount_tolerance: Decimal,
    /// Probable matches: the largest time difference.
    pub probable_window_seconds: i64,
    /// How far an unpolled invoice may be from SEQR's row it explains.
    pub unpolled_window_seconds: i64,
    /// How recent a SEQR row with no post may be to be IN_TRANSIT.
    pub in_transit_window_seconds: i64,
}

/// One failed self-check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckFailure {
    /// The check's name.
    pub check: String,
    /// What failed.
    pub detail: String,
}

/// One row of summary.csv, for the email body.
#[derive(Debug, Clone)]
pub struct SummaryLine {
    /// The terminal id; none on the shop's total line.
    pub terminal: Option<String>,
    /// The terminal's configured name, if it has one.
    pub terminal_name: Option<String>,
    /// SEQR's rows.
    pub seqr_count: i64,
    /// Their total.
    pub seqr_total: Decimal,
    /// The tills' posts.
    pub local_count: i64,
    /// Their total.
    pub local_total: Decimal,
    /// Exceptions.
    pub exceptions: i64,
    /// Local total less SEQR's.
    pub difference: Decimal,
}

/// One exception of a close as its to-do list shows it (`queries/reconcile/todo.sql`).
#[derive(Debug, Clone, PartialEq)]
pub struct TodoItem {
    /// Its category in this close.
    pub category: Category,
    /// What to do, in one sentence.
    pub action: String,
    /// The terminal SEQR (or else the till) names.
    pub terminal_id: Option<String>,
    /// The terminal's configured name, if it has one.
    pub terminal_name: Option<String>,
    /// Whom to ask.
    pub cashier_id: Option<String>,
    /// The ersReference, else the invoice reference.
    pub reference: Option<String>,
    /// The till's amount, when the till has it.
    pub local_amount: Option<Decimal>,
    /// SEQR's amount, when SEQR has it.
    pub seqr_amount: Option<Decimal>,
    /// Local amount less SEQR's.
    pub difference: Option<Decimal>,
    /// What the books or the customer stand to lose: always positive.
    pub at_risk: Decimal,
    /// The till's time of the post, when there is one.
    pub posted_at: Option<DateTime<Utc>>,
    /// What happened.
    pub detail: String,
    /// The close that first showed it.
    pub first_close_seq: i64,
    /// SEQR's time of that close's mark.
    pub first_seen_at: Option<DateTime<Utc>>,
    /// Its latest change by an accountant.
    pub last_event: Option<LastEvent>,
}

/// An item's latest row of `item_events`.
#[derive(Debug, Clone, PartialEq)]
pub struct LastEvent {
    /// What was done.
    pub event: ItemEvent,
    /// Snoozed until this day of the shop.
    pub until: Option<NaiveDate>,
    /// Resolved: how.
    pub how: Option<String>,
    /// Why, in the accountant's words.
    pub note: String,
    /// Who did it.
    pub by: String,
    /// When (UTC).
    pub at: DateTime<Utc>,
}

/// A close's to-do list: its exceptions by amount at risk, the first
/// [`TodoList::HELD`] held and the rest only counted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TodoList {
    /// The items held, largest amount at risk first.
    pub items: Vec<TodoItem>,
    /// Beyond the held ones: how many, their amount at risk, and how many are new.
    pub beyond: (i64, Decimal, i64),
    /// When the close was classified: an item resolved before then that it shows came back.
    pub classified_at: Option<DateTime<Utc>>,
}

impl TodoList {
    /// How many items a list holds: a flood beyond that is counted, not kept.
    pub const HELD: usize = 20_000;
}

impl TodoItem {
    /// A row of `queries/reconcile/todo.sql` (its first column, the shop, left out).
    fn from_row(row: &[Value]) -> anyhow::Result<TodoItem> {
        let event: Option<ItemEvent> = cell(row, 16)?;
        let last_event = match event {
            None => None,
            Some(event) => Some(LastEvent {
                event,
                until: cell(row, 17)?,
                how: cell(row, 18)?,
                note: cell(row, 19)?,
                by: cell(row, 20)?,
                at: cell(row, 21)?,
            }),
        };
        Ok(TodoItem {
            category: cell(row, 1)?,
            action: cell(row, 2)?,
            terminal_id: cell(row, 3)?,
            terminal_name: cell(row, 4)?,
            cashier_id: cell(row, 5)?,
            reference: cell(row, 6)?,
            local_amount: cell(row, 8)?,
            seqr_amount: cell(row, 9)?,
            difference: cell(row, 10)?,
            at_risk: cell(row, 11)?,
            posted_at: cell(row, 12)?,
            detail: cell::<Option<String>>(row, 13)?.unwrap_or_default(),
            first_close_seq: cell(row, 14)?,
            first_seen_at: cell(row, 15)?,
            last_event,
        })
    }
}

impl SummaryLine {
    /// What the email calls the line: the terminal's name, else its id, and
    /// `TOTAL` for the shop's total.
    pub fn label(&self) -> &str {
        match &self.terminal {
            None => "TOTAL",
            Some(id) => self.terminal_name.as_deref().filter(|n| !n.is_empty()).unwrap_or(id),
        }
    }

    /// A row of summary.csv (`close_summary` in `queries/files/summary.sql`).
    pub(crate) fn from_row(row: &[Value]) -> anyhow::Result<SummaryLine> {
        Ok(SummaryLine {
            terminal: cell(row, 3)?,
            terminal_name: cell(row, 4)?,
            seqr_count: cell(row, 5)?,
            seqr_total: cell(row, 6)?,
            local_count: cell(row, 7)?,
            local_total: cell(row, 8)?,
            exceptions: cell(row, 10)?,
            difference: cell(row, 11)?,
        })
    }
}

/// Closes as the `$closes` that the queries of `queries/reconcile/` and
/// `queries/files/` take: a list of `{shop_id, close_seq}`.
pub fn closes_value(closes: &[CloseKey<'_>]) -> Value {
    let close = |close: &CloseKey<'_>| {
        let fields = vec![
            ("shop_id".to_string(), Value::Text(close.shop_id.to_string())),
            ("close_seq".to_string(), Value::BigInt(close.close_seq)),
        ];
        Value::Struct(fields.into())
    };
    Value::List(closes.iter().map(close).collect())
}

/// `shop shop-1, close 3` or `shops shop-1 (close 3), shop-2 (close 5)`, for errors.
fn describe(closes: &[CloseKey<'_>]) -> String {
    match closes {
        [close] => close.to_string(),
        _ => {
            let each: Vec<String> = closes.iter().map(|c| format!("{} (close {})", c.shop_id, c.close_seq)).collect();
            format!("shops {}", each.join(", "))
        }
    }
}

/// Cell `i` of a row read as values, as a `T`.
fn cell<T: FromSql>(row: &[Value], i: usize) -> anyhow::Result<T> {
    let value = row.get(i).with_context(|| format!("the row has no column {i}"))?;
    T::column_result(value.into()).with_context(|| format!("column {i}: {value:?}"))
}

/// SEQR's times of the previous close and of this one (see [`Store::close_span`]).
pub type CloseSpan = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// The close a period belongs to, for recomputing it.
#[derive(Debug)]
pub struct CloseToRecompute {
    /// The shop.
    pub shop_id: ShopId,
    /// The close number.
    pub close_seq: i64,
    /// Its label period.
    pub label_period_id: String,
    /// Its state.
    pub state: CloseState,
    /// The shop's latest close number.
    pub latest_seq: i64,
}

/// A raw report as stored: period, report id, terminal, gzip of the XML.
pub type StoredReport = (String, String, Option<String>, Vec<u8>);

impl Store {
    /// Re-classifies every open item of each close in `closes` (shop and
    /// close number, at most one close per shop), replacing any earlier result
    /// of those closes: one statement for all of them, as planning it costs
    /// more than running it for a small shop. Runs in the caller's
    /// transaction, if any.
    pub fn classify(&self, closes: &[CloseKey<'_>], p: &ClassifyParams) -> anyhow::Result<()> {
        let list = closes_value(closes);
        for (name, sql) in queries::RECONCILE {
            execute_named(
                &self.conn,
                sql,
                &[
                    ("closes", &list),
                    ("amount_tolerance", &p.amount_tolerance),
                    ("probable_window", &p.probable_window_seconds),
                    ("unpolled_window", &p.unpolled_window_seconds),
                    ("in_transit_window", &p.in_transit_window_seconds),
                ],
            )
            .map_err(|e| e.context(format!("running queries/{name} for {}", describe(closes))))?;
        }
        Ok(())
    }

    /// Runs `queries/reconcile/checks.sql` for a reconciled close: empty when
    /// every row is accounted for, totals tie and periods are whole.
    pub fn self_check(&self, shop_id: &ShopId, close_seq: i64) -> anyhow::Result<Vec<CheckFailure>> {
        Ok(self.check_closes(&[CloseKey::new(shop_id, close_seq)])?.remove(shop_id).unwrap_or_default())
    }

    /// Runs `queries/reconcile/checks.sql` for reconciled closes (at most one
    /// per shop): the failures of each shop's close, by shop.
    pub fn check_closes(&self, closes: &[CloseKey<'_>]) -> anyhow::Result<HashMap<ShopId, Vec<CheckFailure>>> {
        let found = self.query_all(queries::CHECKS, &[("closes", &closes_value(closes))], |r| {
            Ok((r.get::<_, ShopId>(0)?, CheckFailure { check: r.get(1)?, detail: r.get(2)? }))
        });
        let found =
            found.map_err(|e| e.context(format!("running queries/reconcile/checks.sql for {}", describe(closes))))?;
        Ok(by_shop(found))
    }

    /// The to-do lists of closes (at most one per shop), by shop, each holding
    /// at most `held` items ([`TodoList::HELD`]).
    pub fn todo_lists(&self, closes: &[CloseKey<'_>], held: usize) -> anyhow::Result<HashMap<ShopId, TodoList>> {
        let seqs: HashMap<&ShopId, i64> = closes.iter().map(|c| (c.shop_id, c.close_seq)).collect();
        let mut lists: HashMap<ShopId, TodoList> = HashMap::new();
        self.for_each_row(queries::TODO, &[("closes", &closes_value(closes))], |_, row| {
            let shop_id: ShopId = cell(row, 0)?;
            let list = lists.entry(shop_id.clone()).or_default();
            list.classified_at = cell(row, 22)?;
            if list.items.len() < held {
                list.items.push(TodoItem::from_row(row)?);
            } else {
                let first: i64 = cell(row, 14)?;
                let new = i64::from(seqs.get(&shop_id) == Some(&first));
                let (n, at_risk, new_n) = &mut list.beyond;
                *n += 1;
                *at_risk += cell::<Decimal>(row, 11)?;
                *new_n += new;
            }
            Ok(())
        })
        .map_err(|e| e.context(format!("running queries/reconcile/todo.sql for {}", describe(closes))))?;
        Ok(lists)
    }

    /// SEQR's times of the shop's close before `close_seq` and of `close_seq`
    /// itself: the period the close covers (no start for a shop's first close).
    pub fn close_span(&self, shop_id: &ShopId, close_seq: i64) -> anyhow::Result<CloseSpan> {
        Ok(self.close_spans(&[CloseKey::new(shop_id, close_seq)])?.remove(shop_id).unwrap_or_default())
    }

    /// [`Store::close_span`] of each of `closes` (at most one per shop), by shop, in one statement.
    pub fn close_spans(&self, closes: &[CloseKey<'_>]) -> anyhow::Result<HashMap<ShopId, CloseSpan>> {
        let spans = self.query_all(queries::CLOSE_SPANS, &[("closes", &closes_value(closes))], |r| {
            Ok((r.get::<_, ShopId>(0)?, (r.get(1)?, r.get(2)?)))
        })?;
        Ok(spans.into_iter().collect())
    }

    /// The close that `period_id` labels or belongs to.
    pub fn close_to_recompute(&self, period_id: &str) -> anyhow::Result<Option<CloseToRecompute>> {
        self.query_optional(queries::CLOSE_TO_RECOMPUTE, &[("period_id", &period_id)], |r| {
            Ok(CloseToRecompute {
                shop_id: r.get(0)?,
                close_seq: r.get(1)?,
                label_period_id: r.get(2)?,
                state: r.get(3)?,
                latest_seq: r.get(4)?,
            })
        })
    }

    /// Keeps a close's current result aside, for [`Store::result_changes`].
    pub fn keep_result_before(&self, shop_id: &ShopId, close_seq: i64) -> anyhow::Result<()> {
        self.execute(queries::KEEP_RESULT_BEFORE, &[("shop_id", &shop_id), ("close_seq", &close_seq)])?;
        Ok(())
    }

    /// Classifications the current result has and the kept one lacks
    /// (`added`), or the reverse, as `CATEGORY keys: detail` lines with `+`/`-`.
    pub fn result_changes(&self, shop_id: &ShopId, close_seq: i64, added: bool) -> anyhow::Result<Vec<String>> {
        let sign = if added { "+" } else { "-" };
        self.query_all(
            queries::RESULT_CHANGES,
            &[("shop_id", &shop_id), ("close_seq", &close_seq), ("added", &added)],
            |r| Ok(format!("{sign} {} {}: {}", r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)),
        )
    }

    /// Drops what keep_result_before kept.
    pub fn drop_result_before(&self) -> anyhow::Result<()> {
        self.execute(queries::DROP_RESULT_BEFORE, &[])?;
        Ok(())
    }

    /// The raw reports a close was reconciled from.
    pub fn stored_reports_of_close(&self, shop_id: &ShopId, close_seq: i64) -> anyhow::Result<Vec<StoredReport>> {
        self.query_all(queries::STORED_REPORTS_OF_CLOSE, &[("shop_id", &shop_id), ("close_seq", &close_seq)], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
    }

    /// The exceptions close `close_seq` of a shop found new in it, keyed as
    /// the trading-day generator's ground truth keys them: (category, key).
    pub fn scored_exceptions(&self, shop_id: &ShopId, close_seq: i64) -> anyhow::Result<Vec<(Category, String)>> {
        self.query_all(queries::SCORED_EXCEPTIONS, &[("shop_id", &shop_id), ("close_seq", &close_seq)], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
    }
}
