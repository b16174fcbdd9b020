//! One close of one shop: the persisted state machine
//! `intent → marking → marked → fetched → reconciled → exported → emailed`.
//!
//! Every step commits its state before the next begins, so a close killed at
//! any point is resumed by the next `run` or `schedule` without marking again.
//! One file per step: [`mark`], [`fetch`], [`reconcile`], [`export`],
//! [`deliver`]; [`advance`] only moves between them. [`batch`] closes many
//! shops at once, and [`together`] lets the closes ready at the same moment
//! classify, check and read their rows in one statement; [`lock`] keeps two
//! processes off one shop.

mod batch;
mod db;
mod deliver;
mod export;
mod fetch;
mod lock;
mod mark;
mod reconcile;
mod together;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};

pub use batch::{run_batch, Batch, BatchOutcome, InboxGate};
pub use db::Db;
pub use deliver::resend;
pub use lock::{lock_shop, ShopLock};

use crate::config::{Config, Shop};
use crate::domain::CloseState;
use crate::export::{CloseReport, CloseRows, ReportFiles};
use crate::notify;
use crate::progress;
use crate::seqr::{ReportPolling, SeqrClient};
use crate::store::seqr_data::CloseRow;
use crate::store::{StepRecord, Store};

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
    heavy_db: tokio::sync::Semaphore,
    /// Classifies the closes ready at the same moment together.
    classifying: together::Together<()>,
    /// Self-checks the closes ready at the same moment together: each gets its failures.
    checking: together::Together<Vec<crate::store::CheckFailure>>,
    /// Reads the rows of the files of the closes ready at the same moment together.
    reading: together::Together<CloseRows>,
    /// Where each close is published as Parquet, when `[lake]` is configured.
    pub lake: Option<crate::lake::Lake>,
}

impl CloseContext {
    /// The context for `cfg`: its SEQR client, polling and email back-off, and a new run id.
    pub fn new(cfg: Arc<Config>) -> CloseContext {
        let run_id = format!("run-{}-{}", Utc::now().format("%Y%m%dT%H%M%S%.3fZ"), std::process::id());
        let email_backoff = cfg.email.retry_seconds.iter().map(|s| Duration::from_secs_f64(s.max(0.0))).collect();
        CloseContext {
            lake: crate::lake::Lake::from_config(&cfg),
            client: SeqrClient::from_settings(&cfg.seqr),
            polling: ReportPolling::from_settings(&cfg.seqr),
            cfg,
            email_backoff,
            run_id,
            progress: progress::board(),
            heavy_db: tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, usize::from)),
            classifying: together::Together::default(),
            checking: together::Together::default(),
            reading: together::Together::default(),
        }
    }

    /// Holds a heavy-database turn until dropped (see `heavy_db`).
    async fn heavy_db_turn(&self) -> tokio::sync::SemaphorePermit<'_> {
        self.heavy_db.acquire().await.expect("the semaphore is never closed")
    }

    /// Writes the files of a close of `shop` as `[reports]` asks, from its
    /// rows, handing them back for the report email.
    fn write_files(&self, store: &Store, shop: &Shop, label: &str, rows: CloseRows) -> anyhow::Result<CloseReport> {
        let mail_limit = self.cfg.email.attach_transactions_max_bytes;
        crate::export::write_close_reports_of(store, &self.cfg.reports, shop, label, mail_limit, rows)
    }

    /// Records one step of `close` of this run in the `runs` table.
    fn record_step(
        &self,
        store: &Store,
        close: &CloseRow,
        step: &str,
        started: DateTime<Utc>,
        outcome: &str,
        detail: &str,
    ) {
        store.record_step(close, &StepRecord { run_id: &self.run_id, step, started, outcome, detail });
    }
}

/// What one call of [`run_once`] did.
#[derive(Debug)]
pub enum CloseOutcome {
    /// The close finished (now or when resumed).
    Closed {
        /// The close as it ended.
        close: CloseRow,
        /// Its CSV files.
        files: ReportFiles,
        /// Whether its email left (else it waits in the outbox).
        emailed: bool,
        /// Whether an unfinished close was resumed rather than a new one begun.
        resumed: bool,
    },
    /// A close for this slot exists already and is complete.
    AlreadyClosed {
        /// That close.
        close: CloseRow,
    },
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

/// What the operator does about a close stuck in `mark_unknown`.
pub fn remark_advice(shop_id: &str) -> String {
    format!(
        "Ask SEQR support (with the clientReference in the log) whether the period was closed; then run \
         `seqr-recon run --shop {shop_id} --confirm-remark` to mark again. The sales of a lost period appear in \
         the next period's report."
    )
}

/// Runs (or resumes) the close of one shop. On failure an alert is queued and
/// sent to `alert_to`, and the error says what to do next.
pub async fn run_once(db: &Db, shop: &Shop, ctx: &CloseContext, opts: &CloseOptions) -> anyhow::Result<CloseOutcome> {
    crate::stop::check("beginning the close")?;
    let _lock = lock_shop(&ctx.cfg, &shop.id)?;
    let begun = db.with(|store| begin_or_resume(store, shop, opts))?;
    let (close, resumed) = match begun {
        Begun::Already(close) => return Ok(CloseOutcome::AlreadyClosed { close }),
        Begun::Close(close, resumed) => (close, resumed),
    };
    if resumed {
        tracing::info!(shop = %shop.id, close = %close.close_id, state = %close.state, "resuming an unfinished close");
    }
    match advance(db, shop, ctx, close.clone(), opts).await {
        Ok((close, files, emailed)) => Ok(CloseOutcome::Closed { close, files, emailed, resumed }),
        // Stopped on request: nothing failed, and the next run resumes it.
        Err(e) if e.downcast_ref::<crate::stop::Stopped>().is_some() => Err(e),
        Err(e) => {
            alert_failed_close(db, shop, ctx, close, &e);
            Err(e)
        }
    }
}

/// What a close begins with: one already complete for this slot, or the close to advance
/// (and whether it is an unfinished one resumed).
enum Begun {
    Already(CloseRow),
    Close(CloseRow, bool),
}

fn begin_or_resume(store: &Store, shop: &Shop, opts: &CloseOptions) -> anyhow::Result<Begun> {
    Ok(match store.latest_close(&shop.id)? {
        Some(c) if c.state == CloseState::MarkUnknown && !opts.confirm_remark => anyhow::bail!(
            "close {} of shop {} stopped in mark_unknown: SEQR may have closed a period whose id we never got. {}",
            c.close_id,
            shop.id,
            remark_advice(&shop.id)
        ),
        Some(c) if !c.state.is_complete() => Begun::Close(c, true),
        _ => match store.close_for_slot(&shop.id, opts.slot)? {
            Some(close) => Begun::Already(close),
            None => Begun::Close(store.begin_close(&shop.id, opts.slot)?, false),
        },
    })
}

/// Records the error and alerts ops. The database may be what failed: every
/// step here is best effort, and the alert goes out without the outbox if it
/// cannot be queued.
fn alert_failed_close(db: &Db, shop: &Shop, ctx: &CloseContext, close: CloseRow, e: &anyhow::Error) {
    let current = db.with(|store| store.close(&close.close_id)).ok().flatten().unwrap_or(close);
    if current.state != CloseState::MarkUnknown {
        if let Err(db) = db.with(|store| store.record_close_error(&current.close_id, &format!("{e:#}"))) {
            tracing::error!(error = %format!("{db:#}"), "the close's error could not be recorded in the database");
        }
    }
    if ctx.cfg.email.alert_to.is_empty() {
        return;
    }
    let next = if current.state == CloseState::MarkUnknown {
        remark_advice(&shop.id)
    } else if current.state.is_complete() {
        // Only the lake is left to do: running the close again would close a new period.
        format!(
            "Fix the cause above, then run `seqr-recon lake export --shop {}`; the shop's next close also \
             publishes what the lake lacks.",
            shop.id
        )
    } else {
        format!(
            "Fix the cause above, then run `seqr-recon run --shop {}`: the close resumes from state {} without \
             marking again.",
            shop.id, current.state
        )
    };
    let alert = notify::failed_close_alert(&ctx.cfg.email, shop, &current, e, &next);
    let queued = db.with(|store| {
        notify::queue(store, &ctx.cfg.email, &alert)?;
        notify::flush_outbox(store, &ctx.cfg.email, &ctx.email_backoff, Some(&shop.id))
    });
    if let Err(alert_err) = queued {
        tracing::error!(error = %format!("{alert_err:#}"), "the alert could not be queued; sending it directly");
        notify::alert_without_store(&ctx.cfg.email, &alert.subject, &alert.text);
    }
}

/// Moves a close from its state to the end, one step at a time.
async fn advance(
    db: &Db,
    shop: &Shop,
    ctx: &CloseContext,
    mut close: CloseRow,
    opts: &CloseOptions,
) -> anyhow::Result<(CloseRow, ReportFiles, bool)> {
    // A signal to stop is heeded between steps, never inside one: a call SEQR is answering finishes.
    if close.state.is_marking() {
        crate::stop::check("marking")?;
        close = mark::step(db, shop, ctx, &close, opts).await?;
    }
    if close.state == CloseState::Marked {
        crate::stop::check("fetching the reports")?;
        close = fetch::step(db, shop, ctx, &close).await?;
    }
    if let Some(mut inbox) = opts.inbox.clone() {
        inbox.loaded().await?;
    }
    if close.state == CloseState::Fetched {
        crate::stop::check("reconciling")?;
        close = reconcile::step(db, shop, ctx, &close).await?;
    }
    crate::stop::check("exporting")?;
    let (close, files) = export::step(db, shop, ctx, close).await?;
    let emailed = db.with(|store| deliver::step(store, ctx, &close))?;
    if let Some(lake) = &ctx.lake {
        let _turn = ctx.heavy_db_turn().await;
        db.with(|store| publish_to_lake(store, shop, ctx, lake, &close))?;
    }
    let close = db.with(|store| reread(store, &close))?;
    Ok((close, files, emailed))
}

/// Publishes the shop's closes the lake lacks: this one, and any whose
/// publishing failed before. Recorded as the step `lake`.
fn publish_to_lake(
    store: &Store,
    shop: &Shop,
    ctx: &CloseContext,
    lake: &crate::lake::Lake,
    close: &CloseRow,
) -> anyhow::Result<()> {
    let started = Utc::now();
    match lake.publish_unpublished(store, shop) {
        Ok(published) => {
            let names: Vec<String> = published.iter().map(|p| format!("{} ({} rows)", p.close_id, p.rows)).collect();
            ctx.record_step(store, close, "lake", started, "ok", &names.join(", "));
            Ok(())
        }
        Err(e) => {
            ctx.record_step(store, close, "lake", started, "failed", &format!("{e:#}"));
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

/// The close as stored now.
fn reread(store: &Store, close: &CloseRow) -> anyhow::Result<CloseRow> {
    store.close(&close.close_id)?.with_context(|| format!("close {} vanished from the database", close.close_id))
}
