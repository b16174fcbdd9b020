//! The close's own bookkeeping: steps in `runs`, errors, the scope being
//! marked, self-check failures.

use anyhow::Context;
use chrono::{DateTime, Utc};
use duckdb::types::Value;

use super::reconcile::CheckFailure;
use super::seqr_data::CloseRow;
use super::{queries, struct_list, timestamp_value, Store};
use crate::domain::{CloseState, PeriodId, ShopId};

/// One step of a close, as `runs` records it.
pub struct StepRecord {
    /// The run that made the step.
    pub run_id: String,
    /// The close.
    pub close_id: String,
    /// Its shop.
    pub shop_id: ShopId,
    /// `mark`, `fetch`, `link-refunds`, `reconcile`, `check`, `export`, `email`, `lake`.
    pub step: &'static str,
    /// When it began.
    pub started: DateTime<Utc>,
    /// When it ended.
    pub finished: DateTime<Utc>,
    /// `ok`, `failed`, `unknown` or `queued`.
    pub outcome: &'static str,
    /// What it did.
    pub detail: String,
}

impl Store {
    /// Records steps of closes in `runs`, in one statement. Best effort: a
    /// failure is logged, as the steps themselves have happened.
    pub fn record_steps(&self, steps: &[StepRecord]) {
        if steps.is_empty() {
            return;
        }
        let text = |s: &str| Value::Text(s.to_string());
        let time = |t: &DateTime<Utc>| timestamp_value(t.naive_utc());
        let steps = struct_list(steps.iter().map(|s| {
            [
                ("run_id", text(&s.run_id)),
                ("close_id", text(&s.close_id)),
                ("shop_id", text(&s.shop_id)),
                ("step", text(s.step)),
                ("started_at", time(&s.started)),
                ("finished_at", time(&s.finished)),
                ("outcome", text(s.outcome)),
                ("detail", text(&s.detail)),
            ]
        }));
        if let Err(e) = self.execute(queries::RECORD_STEPS, &[("steps", &steps)]) {
            tracing::warn!(error = %format!("{e:#}"), "could not record the steps in runs");
        }
    }

    /// Records the error that stopped a close.
    pub fn record_close_error(&self, close_id: &str, error: &str) -> anyhow::Result<()> {
        self.execute(queries::RECORD_CLOSE_ERROR, &[("close_id", &close_id), ("error", &error)])?;
        Ok(())
    }

    /// The scope (`shop` or a terminal id) whose mark was in flight, if any.
    pub fn pending_scope(&self, close_id: &str) -> anyhow::Result<Option<String>> {
        self.query_one(queries::PENDING_SCOPE, &[("close_id", &close_id)], |r| r.get(0))
    }

    /// The close is about to ask SEQR to mark `scope`: state `marking`, the scope in flight.
    pub fn set_marking(&self, close_id: &str, scope: &str) -> anyhow::Result<()> {
        self.execute(queries::SET_MARKING, &[("close_id", &close_id), ("scope", &scope)])?;
        Ok(())
    }

    /// SEQR refused the mark cleanly: back to `intent`, nothing in flight.
    pub fn back_to_intent(&self, close_id: &str) -> anyhow::Result<()> {
        self.execute(queries::BACK_TO_INTENT, &[("close_id", &close_id)])?;
        Ok(())
    }

    /// Records a period SEQR returned, then clears the scope in flight (a
    /// crash in between resumes with the recorded period).
    pub fn record_mark(
        &self,
        close: &CloseRow,
        period_id: &PeriodId,
        terminal_id: Option<&str>,
        client_reference: &str,
        response_sha256: &str,
    ) -> anyhow::Result<()> {
        crate::failpoint::new_space().context("recording the period SEQR marked")?;
        let marked_at = period_id.seqr_time();
        self.record_period(close, period_id.as_str(), terminal_id, marked_at, client_reference, response_sha256)?;
        self.execute(queries::CLEAR_PENDING_SCOPE, &[("close_id", &close.close_id)])?;
        Ok(())
    }

    /// Records a failed self-check and sends the close back to `marked`, so the
    /// next run fetches SEQR's reports again.
    pub fn record_check_failures(
        &self,
        close: &CloseRow,
        run_id: &str,
        failures: &[CheckFailure],
    ) -> anyhow::Result<()> {
        let tx = self.transaction()?;
        for f in failures {
            tx.execute(
                queries::INSERT_CHECK_FAILURE,
                &[("close_id", &close.close_id), ("run_id", &run_id), ("check", &f.check), ("detail", &f.detail)],
            )?;
        }
        tx.execute(queries::REFETCH_CLOSE, &[("close_id", &close.close_id)])?;
        tx.set_close_state(&close.close_id, CloseState::Marked, None)?;
        tx.commit()
    }
}
