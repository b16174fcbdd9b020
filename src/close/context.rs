//! What the closes of one process share ([`CloseContext`]), the options of
//! one close, and the small helpers every step uses.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};

use crate::config::{Config, Shop};
use crate::domain::ShopId;
use crate::export::{CloseReport, CloseResult};
use crate::progress;
use crate::seqr::{ReportPolling, SeqrClient};
use crate::store::seqr_data::CloseRow;
use crate::store::{StepRecord, Store};

use super::together;

/// What every close of this process shares.
pub struct CloseContext {
    /// The configuration this process runs with.
    pub cfg: Arc<Config>,
    /// The SEQR client every close shares.
    pub client: SeqrClient,
    /// How patiently reports are polled while SEQR prepares them.
    pub polling: ReportPolling,
    /// Waits between attempts to send an email within one run.
    pub email_backoff: Vec<Duration>,
    /// Identifies this process's run in the `runs` table.
    pub run_id: String,
    /// Spinners while reports are fetched (drawn only on a terminal).
    pub progress: indicatif::MultiProgress,
    /// Taken for the heavy database steps (storing a report, reconciling,
    /// checking, exporting): closes wait on SEQR side by side, but only as many
    /// as there are cores work DuckDB at once. A big close's queries already
    /// spread over every core, and concurrent ones share one memory limit (many
    /// classifications at once run it out of memory); a small close's are
    /// short and mostly on one core, so one turn for all would leave the other
    /// cores idle.
    pub(super) heavy_db: tokio::sync::Semaphore,
    /// Classifies the closes ready at the same moment together.
    pub(super) classifying: together::Together<()>,
    /// Self-checks the closes ready at the same moment together: each gets its failures.
    pub(super) checking: together::Together<Vec<crate::store::CheckFailure>>,
    /// Reads the rows of the files of the closes ready at the same moment together.
    pub(super) reading: together::Together<CloseResult>,
    /// Where each close is published as Parquet, when `[lake]` is configured.
    pub lake: Option<crate::lake::Lake>,
    /// The steps of closes not yet written to `runs`: a close's steps are
    /// written together when its run ends, not one statement each.
    steps: std::sync::Mutex<Vec<StepRecord>>,
}

impl CloseContext {
    /// The context for `cfg`: its SEQR client, polling and email back-off, and a new run id.
    pub fn new(cfg: Arc<Config>) -> CloseContext {
        let run_id = format!("run-{}-{}", Utc::now().format("%Y%m%dT%H%M%S%.3fZ"), std::process::id());
        let email_backoff = cfg.email.retry_seconds.iter().map(|s| Duration::from_secs_f64(s.max(0.0))).collect();
        CloseContext {
            lake: crate::lake::Lake::from_config(&cfg),
            client: cfg.seqr.client(),
            polling: cfg.seqr.polling(),
            cfg,
            email_backoff,
            run_id,
            progress: progress::board(),
            heavy_db: tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, usize::from)),
            classifying: together::Together::default(),
            checking: together::Together::default(),
            reading: together::Together::default(),
            steps: std::sync::Mutex::default(),
        }
    }

    /// Holds a heavy-database turn until dropped (see `heavy_db`).
    pub(super) async fn heavy_db_turn(&self) -> tokio::sync::SemaphorePermit<'_> {
        self.heavy_db.acquire().await.expect("the semaphore is never closed")
    }

    /// Writes the files of a close of `shop` as `[reports]` asks, from its
    /// rows, handing them back for the report email.
    pub(super) fn write_files(
        &self,
        store: &Store,
        shop: &Shop,
        label: &str,
        rows: CloseResult,
    ) -> anyhow::Result<CloseReport> {
        let mail_limit = self.cfg.email.attach_transactions_max_bytes;
        crate::export::write_close_reports_of(store, &self.cfg.reports, shop, label, mail_limit, rows)
    }

    /// Notes one step of `close` of this run, for the `runs` table.
    pub(super) fn record_step(
        &self,
        close: &CloseRow,
        step: &'static str,
        started: DateTime<Utc>,
        outcome: &'static str,
        detail: &str,
    ) {
        let record = StepRecord {
            run_id: self.run_id.clone(),
            close_id: close.close_id.clone(),
            shop_id: close.shop_id.clone(),
            step,
            started,
            finished: Utc::now(),
            outcome,
            detail: detail.to_string(),
        };
        self.lock_steps().push(record);
    }

    /// Writes the steps noted so far (of any close) to the `runs` table.
    pub(super) fn write_steps(&self, store: &Store) {
        let steps = std::mem::take(&mut *self.lock_steps());
        store.record_steps(&steps);
    }

    fn lock_steps(&self) -> std::sync::MutexGuard<'_, Vec<StepRecord>> {
        self.steps.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Options of one close.
#[derive(Debug, Clone)]
pub struct CloseOptions {
    /// The time the close stands for: the cron slot, or now for a manual run.
    pub slot: DateTime<Utc>,
    /// The operator checked SEQR and wants a close stuck in `mark_unknown` marked again.
    pub confirm_remark: bool,
    /// The POS inbox being loaded beside the close: reconciling waits for it.
    pub inbox: Option<InboxGate>,
}

/// Opens once the batch's POS inbox is loaded: a close reconciles only then.
#[derive(Debug, Clone)]
pub struct InboxGate(pub(super) tokio::sync::watch::Receiver<Option<Result<(), String>>>);

impl InboxGate {
    /// Waits for the inbox; an inbox that failed to load stops the close
    /// (in `fetched`, so the next run resumes it without marking again).
    pub async fn loaded(&mut self) -> anyhow::Result<()> {
        let outcome =
            self.0.wait_for(Option::is_some).await.map_err(|_| anyhow::anyhow!("the inbox loader vanished"))?;
        match outcome.as_ref() {
            Some(Err(e)) => anyhow::bail!("the POS inbox could not be loaded, so the close cannot reconcile: {e}"),
            _ => Ok(()),
        }
    }
}

/// What the operator does about a close stuck in `mark_unknown`.
pub fn remark_advice(shop_id: &ShopId) -> String {
    format!(
        "Ask SEQR support (with the clientReference in the log) whether the period was closed; then run \
         `seqr-recon run --shop {shop_id} --confirm-remark` to mark again. The sales of a lost period appear in \
         the next period's report."
    )
}

/// The close as stored now.
pub(super) fn reread(store: &Store, close: &CloseRow) -> anyhow::Result<CloseRow> {
    store.close(&close.close_id)?.with_context(|| format!("close {} vanished from the database", close.close_id))
}
