//! What the store keeps of SEQR and of each close: periods, reports, rows, states.

use anyhow::Context;
use chrono::{DateTime, Utc};
use duckdb::types::Value;
use duckdb::{params, Connection};
use rust_decimal::Decimal;

use super::{queries, struct_value, Param, Store};
use crate::domain::{Category, CloseState, PeriodState, ShopId};
use crate::seqr::report::{DetailRow, Report};
use crate::seqr::types::report_ids;
use crate::seqr::FetchedReport;

/// One close of one shop, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseRow {
    /// `{shop}-{seq}`.
    pub close_id: String,
    /// The shop.
    pub shop_id: ShopId,
    /// The close number, 1 for the shop's first.
    pub close_seq: i64,
    /// The time the close stands for (the cron slot).
    pub slot: DateTime<Utc>,
    /// Where it stands.
    pub state: CloseState,
    /// The first period SEQR returned; it names the reports folder.
    pub label_period_id: Option<String>,
    /// The last error, if it stopped.
    pub error: Option<String>,
}

/// A period as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodRow {
    /// SEQR's id.
    pub period_id: String,
    /// The terminal, for a terminal-level period.
    pub terminal_id: Option<String>,
    /// SEQR's time of the mark.
    pub marked_at: DateTime<Utc>,
    /// Whether its reports are stored.
    pub state: PeriodState,
}

fn close_from_row(r: &duckdb::Row<'_>) -> duckdb::Result<CloseRow> {
    Ok(CloseRow {
        close_id: r.get(0)?,
        shop_id: r.get(1)?,
        close_seq: r.get(2)?,
        slot: r.get(3)?,
        state: r.get(4)?,
        label_period_id: r.get(5)?,
        error: r.get(6)?,
    })
}

impl Store {
    /// Records the intent to close `shop_id` for `slot`: the next close number, state `intent`.
    pub fn begin_close(&self, shop_id: &ShopId, slot: DateTime<Utc>) -> anyhow::Result<CloseRow> {
        let tx = self.transaction()?;
        let seq: i64 = tx.query_one(queries::NEXT_CLOSE_SEQ, &[("shop_id", &shop_id)], |r| r.get(0))?;
        let close_id = format!("{shop_id}-{seq:06}");
        tx.execute(
            queries::INSERT_CLOSE,
            &[
                ("close_id", &close_id),
                ("shop_id", &shop_id),
                ("close_seq", &seq),
                ("slot", &slot),
                ("state", &CloseState::Intent),
            ],
        )?;
        tx.execute(
            queries::RECORD_LATEST_CLOSE,
            &[("shop_id", &shop_id), ("close_id", &close_id), ("close_seq", &seq)],
        )?;
        tx.commit()?;
        self.close(&close_id)?.context("the close just recorded")
    }

    /// The close with this id.
    pub fn close(&self, close_id: &str) -> anyhow::Result<Option<CloseRow>> {
        self.query_optional(queries::CLOSE_BY_ID, &[("close_id", &close_id)], close_from_row)
    }

    /// The shop's newest close, finished or not.
    pub fn latest_close(&self, shop_id: &ShopId) -> anyhow::Result<Option<CloseRow>> {
        // Two lookups by key: DuckDB scans an index only for a value given to the query, not one
        // a subquery finds.
        let close_id: Option<String> =
            self.query_optional(queries::LATEST_CLOSE, &[("shop_id", &shop_id)], |r| r.get(0))?;
        match close_id {
            Some(id) => self.close(&id),
            None => Ok(None),
        }
    }

    /// The shop's exported closes (`exported` or `emailed`) still whole in the
    /// database (not archived), oldest first: what the lake publishes.
    pub fn complete_closes(&self, shop_id: &ShopId) -> anyhow::Result<Vec<CloseRow>> {
        self.query_all(queries::COMPLETE_CLOSES, &[("shop_id", &shop_id)], close_from_row)
    }

    /// The shop's closes `seqr-recon archive` moved out of the database, oldest first.
    pub fn archived_closes(&self, shop_id: &ShopId) -> anyhow::Result<Vec<CloseRow>> {
        self.query_all(queries::ARCHIVED_CLOSES, &[("shop_id", &shop_id)], close_from_row)
    }

    /// The close that stands for `slot`, if one was made.
    pub fn close_for_slot(&self, shop_id: &ShopId, slot: DateTime<Utc>) -> anyhow::Result<Option<CloseRow>> {
        self.query_optional(queries::CLOSE_FOR_SLOT, &[("shop_id", &shop_id), ("slot", &slot)], close_from_row)
    }

    /// The close whose label period is `period_id`.
    pub fn close_by_period(&self, shop_id: &ShopId, period_id: &str) -> anyhow::Result<Option<CloseRow>> {
        let params: [Param<'_>; 2] = [("shop_id", &shop_id), ("period_id", &period_id)];
        self.query_optional(queries::CLOSE_BY_PERIOD, &params, close_from_row)
    }

    /// Moves a close to `state`, with the error that stopped it, if any: the
    /// close as it now stands.
    pub fn set_close_state(&self, close_id: &str, state: CloseState, error: Option<&str>) -> anyhow::Result<CloseRow> {
        let params: [Param<'_>; 3] = [("state", &state), ("error", &error), ("close_id", &close_id)];
        self.query_optional(queries::SET_CLOSE_STATE, &params, close_from_row)?
            .with_context(|| format!("close {close_id} vanished from the database"))
    }

    /// Stores a period id the moment SEQR returned it, with the hash of SEQR's
    /// answer; the first one labels the close.
    pub fn record_period(
        &self,
        close: &CloseRow,
        period_id: &str,
        terminal_id: Option<&str>,
        marked_at: DateTime<Utc>,
        client_reference: &str,
        response_sha256: &str,
    ) -> anyhow::Result<()> {
        let tx = self.transaction()?;
        tx.execute(
            queries::INSERT_MARK_RESPONSE,
            &[
                ("close_id", &close.close_id),
                ("client_reference", &client_reference),
                ("period_id", &period_id),
                ("response_sha256", &response_sha256),
            ],
        )?;
        tx.execute(
            queries::INSERT_PERIOD,
            &[
                ("period_id", &period_id),
                ("close_id", &close.close_id),
                ("shop_id", &close.shop_id),
                ("close_seq", &close.close_seq),
                ("terminal_id", &terminal_id),
                ("marked_at", &marked_at),
                ("state", &PeriodState::Marked),
            ],
        )?;
        tx.execute(queries::LABEL_CLOSE, &[("period_id", &period_id), ("close_id", &close.close_id)])?;
        tx.commit()
    }

    /// The periods of a close, in the order SEQR made them.
    pub fn periods_of(&self, close_id: &str) -> anyhow::Result<Vec<PeriodRow>> {
        self.query_all(queries::PERIODS_OF, &[("close_id", &close_id)], |r| {
            Ok(PeriodRow { period_id: r.get(0)?, terminal_id: r.get(1)?, marked_at: r.get(2)?, state: r.get(3)? })
        })
    }

    /// Records where a period's reports stand.
    pub fn set_period_state(&self, period_id: &str, state: PeriodState) -> anyhow::Result<()> {
        self.execute(queries::SET_PERIOD_STATE, &[("state", &state), ("period_id", &period_id)])?;
        Ok(())
    }

    /// Keeps one fetched report: its rows, what the parser read (for the
    /// self-check), its raw text (zstd) and the hash of SEQR's answer. A
    /// report fetched again replaces the earlier copy.
    pub fn store_report(
        &self,
        close_id: &str,
        shop_id: &ShopId,
        period: &PeriodRow,
        report_id: &str,
        fetched: &FetchedReport,
    ) -> anyhow::Result<()> {
        let report = &fetched.report;
        let (parsed_rows, parsed_total) = stored_extent(report, report_ids::is_summary(report_id));
        let sha = &fetched.response_sha256;
        let tx = self.transaction()?;
        let the_report: [Param<'_>; 2] = [("period_id", &period.period_id), ("report_id", &report_id)];
        tx.execute(queries::DELETE_REPORT, &the_report)?;
        tx.execute(
            queries::INSERT_REPORT,
            &[
                ("period_id", &period.period_id),
                ("report_id", &report_id),
                ("terminal_id", &period.terminal_id),
                ("generated_at", &report.meta.generated_at),
                ("attempts", &fetched.attempts),
                ("response_sha256", sha),
                ("report_zst", &fetched.report_zst),
                ("parsed_rows", &parsed_rows),
                ("parsed_total", &parsed_total),
                ("client_reference", &fetched.client_reference),
            ],
        )?;
        // Every answer SEQR gave for the report, REPORT_NOT_READY (2) ones and the report (0), in one statement.
        let not_ready = fetched.not_ready.iter().map(|n| (&n.client_reference, 2, &n.response_sha256));
        let answers = not_ready.chain([(&fetched.client_reference, 0, sha)]).map(|(client_reference, code, sha)| {
            struct_value([
                ("client_reference", Value::Text(client_reference.clone())),
                ("result_code", Value::Int(code)),
                ("response_sha256", Value::Text(sha.clone())),
            ])
        });
        tx.execute(
            queries::INSERT_REPORT_RESPONSES,
            &[
                ("close_id", &close_id),
                ("period_id", &period.period_id),
                ("report_id", &report_id),
                ("answers", &Value::List(answers.collect())),
            ],
        )?;
        tx.replace_report_rows(shop_id, &period.period_id, report_id, period.terminal_id.as_deref(), report)?;
        tx.commit()
    }

    /// Records what a reconciliation of a close used: the config (it holds no
    /// secret) and the hash of each POS file whose rows its result holds.
    pub fn record_close_inputs(&self, close: &CloseRow, run_id: &str, config_snapshot: &str) -> anyhow::Result<()> {
        self.execute(
            queries::RECORD_CLOSE_INPUTS,
            &[
                ("close_id", &close.close_id),
                ("run_id", &run_id),
                ("config_snapshot", &config_snapshot),
                ("shop_id", &close.shop_id),
                ("close_seq", &close.close_seq),
            ],
        )?;
        Ok(())
    }

    /// Counts per category of one close's reconciliation.
    pub fn category_counts(&self, shop_id: &ShopId, close_seq: i64) -> anyhow::Result<Vec<(Category, i64)>> {
        self.query_all(queries::CATEGORY_COUNTS, &[("shop_id", &shop_id), ("close_seq", &close_seq)], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
    }
}

/// How many rows, and what total, storing `report` must leave in the database:
/// a summary report keeps its summary rows (or one computed from its details
/// when it has none), a detail report its detail rows.
pub fn stored_extent(report: &Report, is_summary: bool) -> (i64, Decimal) {
    if !is_summary {
        (report.details.len() as i64, report.details.iter().map(|d| d.amount).sum())
    } else if report.summaries.is_empty() && !report.details.is_empty() {
        (1, report.details.iter().map(|d| d.amount).sum())
    } else {
        (report.summaries.len() as i64, report.summaries.iter().map(|s| s.total).sum())
    }
}

impl Store {
    /// Replaces the rows of one stored report with `report`'s, in `seqr_rows` or `seqr_summaries`. A
    /// summary report that carries detail rows instead (as SEQR's samples do) is
    /// stored as one summary row of their count and total, so no row counts twice.
    /// Runs in the caller's transaction, if any.
    pub fn replace_report_rows(
        &self,
        shop_id: &ShopId,
        period_id: &str,
        report_id: &str,
        terminal_id: Option<&str>,
        report: &Report,
    ) -> anyhow::Result<()> {
        // A report id is a summary report's or a detail report's, never both:
        // only its own table holds rows of it.
        let the_report: [Param<'_>; 2] = [("period_id", &period_id), ("report_id", &report_id)];
        if report_ids::is_summary(report_id) {
            self.execute(queries::DELETE_REPORT_SUMMARIES, &the_report)?;
            let mut app = self.conn.appender("seqr_summaries")?;
            if report.summaries.is_empty() && !report.details.is_empty() {
                let (count, total) = stored_extent(report, false); // the details' count and total
                app.append_row(params![period_id, report_id, 1, shop_id, terminal_id, count, total])?;
            }
            for (i, s) in report.summaries.iter().enumerate() {
                let t = s.terminal_id.as_deref().or(terminal_id);
                app.append_row(params![period_id, report_id, i as i32 + 1, shop_id, t, s.count as i64, s.total])?;
            }
            app.flush()?;
        } else {
            self.execute(queries::DELETE_REPORT_ROWS, &the_report)?;
            append_detail_rows(&self.conn, shop_id, period_id, report_id, terminal_id, &report.details)?;
        }
        Ok(())
    }
}

/// Rows per Arrow batch: enough to amortise each batch, small enough that a
/// million-row report is never held twice.
const DETAIL_BATCH_ROWS: usize = 65_536;

/// Appends a report's detail rows to `seqr_rows` column by column, as Arrow
/// record batches: one copy per column, not one DuckDB `Value` per cell.
/// A row's amount as DuckDB's `DECIMAL(18,5)` stores it: its mantissa at scale 5.
fn decimal_18_5(d: &DetailRow) -> anyhow::Result<i128> {
    let mut a = d.amount;
    a.rescale(5);
    let m = a.mantissa();
    anyhow::ensure!(
        m.abs() < 10i128.pow(18),
        "amount {} of {} is too large for DECIMAL(18,5)",
        d.amount,
        d.ers_reference
    );
    Ok(m)
}

fn append_detail_rows(
    conn: &Connection,
    shop_id: &ShopId,
    period_id: &str,
    report_id: &str,
    terminal_id: Option<&str>,
    details: &[DetailRow],
) -> anyhow::Result<()> {
    use duckdb::arrow::array::{ArrayRef, Decimal128Array, Int32Array, StringArray};
    use duckdb::arrow::datatypes::{DataType, Field, Schema};
    use duckdb::arrow::record_batch::RecordBatch;
    use std::sync::Arc;

    let text = |name: &str, nullable: bool| Field::new(name, DataType::Utf8, nullable);
    let schema = Arc::new(Schema::new(vec![
        text("period_id", false),
        text("report_id", false),
        Field::new("row_no", DataType::Int32, false),
        text("shop_id", false),
        text("terminal_id", true),
        text("cashier_id", true),
        Field::new("amount", DataType::Decimal128(18, 5), false),
        text("ers_reference", false),
    ]));
    let mut app = conn.appender("seqr_rows")?;
    for (chunk_no, chunk) in details.chunks(DETAIL_BATCH_ROWS).enumerate() {
        let first_row = chunk_no * DETAIL_BATCH_ROWS + 1;
        let same = |v: &str| -> ArrayRef { Arc::new(StringArray::from(vec![v; chunk.len()])) };
        let row_no = (first_row..first_row + chunk.len())
            .map(|n| i32::try_from(n).context("a report of more than 2^31 rows"))
            .collect::<anyhow::Result<Vec<i32>>>()?;
        let amounts = chunk.iter().map(decimal_18_5).collect::<anyhow::Result<Vec<i128>>>()?;
        let columns: Vec<ArrayRef> = vec![
            same(period_id),
            same(report_id),
            Arc::new(Int32Array::from(row_no)),
            same(shop_id),
            Arc::new(chunk.iter().map(|d| d.terminal_id.as_deref().or(terminal_id)).collect::<StringArray>()),
            Arc::new(chunk.iter().map(|d| d.cashier_id.as_deref()).collect::<StringArray>()),
            Arc::new(Decimal128Array::from(amounts).with_precision_and_scale(18, 5)?),
            Arc::new(chunk.iter().map(|d| Some(d.ers_reference.as_str())).collect::<StringArray>()),
        ];
        app.append_record_batch(RecordBatch::try_new(schema.clone(), columns)?)?;
    }
    app.flush()?;
    Ok(())
}
