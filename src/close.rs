//! One close of one shop: the persisted state machine
//! `intent → marking → marked → fetched → reconciled → exported → emailed`.
//!
//! Every step commits its state before the next begins, so a close killed at
//! any point is resumed by the next `run` or `schedule` without marking again.
//! The period id SEQR returns goes to the mark journal (`journal`) before the
//! database, so a failed write resumes with it. A mark whose outcome is
//! unknown (no clean answer, or a process that died during the call) stops
//! the close in `mark_unknown`: only `run --confirm-remark` goes on from there.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Utc};
use duckdb::params;
use rust_decimal::Decimal;

use crate::config::{Config, Level, Shop};
use crate::failpoint::failpoint;
use crate::journal::MarkEntry;
use crate::notify::{self, html_escape, read_attachment, Outgoing};
use crate::progress;
use crate::reconcile::{reconcile, self_check, write_reports, ReportFiles};
use crate::seqr::types::{check_period_id, report_ids};
use crate::seqr::{ReportPolling, RetryPolicy, SeqrClient};
use crate::store::ingest::{ingest_inbox, InboxOutcome, ShopCurrencies};
use crate::store::seqr_data::CloseRow;
use crate::store::{queries, Store};

/// States a close moves through; `mark_unknown` is where it stops for the operator.
pub mod state {
    pub const INTENT: &str = "intent";
    pub const MARKING: &str = "marking";
    pub const MARK_UNKNOWN: &str = "mark_unknown";
    pub const MARKED: &str = "marked";
    pub const FETCHED: &str = "fetched";
    pub const RECONCILED: &str = "reconciled";
    pub const EXPORTED: &str = "exported";
    pub const EMAILED: &str = "emailed";

    /// The report is out (or queued in the outbox): a new close may start.
    pub fn is_complete(s: &str) -> bool {
        s == EXPORTED || s == EMAILED
    }
}

/// What every close of this process shares.
pub struct CloseContext {
    pub cfg: Arc<Config>,
    pub client: SeqrClient,
    pub polling: ReportPolling,
    /// Waits between attempts to send an email within one run.
    pub email_backoff: Vec<Duration>,
    /// Identifies this process's run in the `runs` table.
    pub run_id: String,
    /// Spinners while reports are fetched (drawn only on a terminal).
    pub progress: indicatif::MultiProgress,
    /// Taken for the heavy database steps (storing a report, reconciling,
    /// checking, exporting): closes wait on SEQR side by side, but only one at
    /// a time works DuckDB hard. DuckDB already spreads each query over every
    /// core, and concurrent ones share one memory limit (20 classifications at
    /// once ran it out of memory).
    heavy_db: std::sync::Mutex<()>,
}

impl CloseContext {
    pub fn new(cfg: Arc<Config>) -> CloseContext {
        let s = &cfg.seqr;
        let retry = RetryPolicy { max_attempts: s.retry_attempts.max(1), ..RetryPolicy::default() };
        let mut client = SeqrClient::new(&s.endpoint, Duration::from_secs(s.timeout_seconds), retry);
        client.trace = s.trace;
        client.max_response_bytes = s.max_response_bytes;
        let polling = ReportPolling {
            first_wait: Duration::from_secs_f64(s.report_first_wait_seconds),
            interval: Duration::from_secs_f64(s.report_poll_interval_seconds),
            max_attempts: s.report_max_attempts,
        };
        let run_id = format!("run-{}-{}", Utc::now().format("%Y%m%dT%H%M%S%.3fZ"), std::process::id());
        let email_backoff = cfg.email.retry_seconds.iter().map(|s| Duration::from_secs_f64(s.max(0.0))).collect();
        CloseContext {
            cfg,
            client,
            polling,
            email_backoff,
            run_id,
            progress: progress::board(),
            heavy_db: std::sync::Mutex::new(()),
        }
    }

    /// Holds the heavy-database turn until dropped (see `heavy_db`).
    fn heavy_db_turn(&self) -> std::sync::MutexGuard<'_, ()> {
        self.heavy_db.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// What one call of [`run_once`] did.
#[derive(Debug)]
pub enum CloseOutcome {
    /// The close finished (now or when resumed); its files, and whether the email left.
    Closed { close: CloseRow, files: ReportFiles, emailed: bool, resumed: bool },
    /// A close for this slot exists already and is complete.
    AlreadyClosed { close: CloseRow },
}

/// Options of one close.
#[derive(Debug, Clone)]
pub struct CloseOptions {
    /// The time the close stands for: the cron slot, or now for a manual run.
    pub slot: DateTime<Utc>,
    /// The operator checked SEQR and wants a close stuck in `mark_unknown` marked again.
    pub confirm_remark: bool,
}

/// SEQR's time of a mark: the first 14 digits of the period id are SEQR's UTC
/// clock (`2026112121003312301000044` → 2026-11-21 21:00:33). SEQR's clock,
/// not ours, decides which sales fall in the period, so local posts are cut at
/// this time (see `queries/reconcile/10_classify.sql`). An id that carries no
/// time falls back to our clock.
pub fn period_time(period_id: &str) -> DateTime<Utc> {
    crate::seqr::types::seqr_time(period_id).unwrap_or_else(Utc::now)
}

/// Holds the shop's lock file; released when dropped or when the process dies.
pub struct ShopLock {
    _file: std::fs::File,
}

/// Takes the shop's lock, or says which process is closing it.
pub fn lock_shop(cfg: &Config, shop_id: &str) -> anyhow::Result<ShopLock> {
    use fs4::fs_std::FileExt;
    let dir = lock_dir(cfg);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating the lock folder {}", dir.display()))?;
    let path = dir.join(format!("{shop_id}.lock"));
    let file = std::fs::OpenOptions::new().create(true).truncate(false).read(true).write(true).open(&path)?;
    if !file.try_lock_exclusive()? {
        let holder = std::fs::read_to_string(&path).unwrap_or_default();
        anyhow::bail!(
            "shop {shop_id} is being closed by another process ({}); wait for it to finish",
            if holder.trim().is_empty() { "unknown pid".to_string() } else { holder.trim().to_string() }
        );
    }
    use std::io::Write;
    let mut f = &file;
    f.set_len(0)?;
    write!(f, "pid {}", std::process::id())?;
    Ok(ShopLock { _file: file })
}

fn lock_dir(cfg: &Config) -> PathBuf {
    crate::paths::beside(&cfg.store.database, ".locks")
}

/// Records one step of a close in the `runs` table.
fn record_step(
    store: &Store,
    ctx: &CloseContext,
    close: &CloseRow,
    step: &str,
    started: DateTime<Utc>,
    outcome: &str,
    detail: &str,
) {
    let r = store.conn.execute(
        "INSERT INTO runs VALUES (?, ?, ?, ?, ?, now(), ?, ?)",
        params![ctx.run_id, close.close_id, close.shop_id, step, started, outcome, detail],
    );
    if let Err(e) = r {
        tracing::warn!(error = %e, "could not record the step in runs");
    }
}

/// Runs (or resumes) the close of one shop. On failure an alert is queued and
/// sent to `alert_to`, and the error says what to do next.
pub async fn run_once(
    store: &Store,
    shop: &Shop,
    ctx: &CloseContext,
    opts: &CloseOptions,
) -> anyhow::Result<CloseOutcome> {
    let _lock = lock_shop(&ctx.cfg, &shop.id)?;
    let latest = store.latest_close(&shop.id)?;
    let (close, resumed) = match latest {
        Some(c) if c.state == state::MARK_UNKNOWN && !opts.confirm_remark => {
            anyhow::bail!(
                "close {} of shop {} stopped in mark_unknown: SEQR may have closed a period whose id we never got. {}",
                c.close_id,
                shop.id,
                REMARK_ADVICE.replace("{shop}", &shop.id)
            );
        }
        Some(c) if !state::is_complete(&c.state) => (c, true),
        _ => {
            if let Some(close) = store.close_for_slot(&shop.id, opts.slot)? {
                return Ok(CloseOutcome::AlreadyClosed { close });
            }
            (store.begin_close(&shop.id, opts.slot)?, false)
        }
    };
    if resumed {
        tracing::info!(shop = %shop.id, close = %close.close_id, state = %close.state, "resuming an unfinished close");
    }
    match advance(store, shop, ctx, close.clone(), opts).await {
        Ok((close, files, emailed)) => Ok(CloseOutcome::Closed { close, files, emailed, resumed }),
        Err(e) => {
            // The database may be what failed: every step here is best effort,
            // and the alert goes out without the outbox if it cannot be queued.
            let current = store.close(&close.close_id).ok().flatten().unwrap_or(close);
            if current.state != state::MARK_UNKNOWN {
                let recorded = store.conn.execute(
                    "UPDATE closes SET error = ?, updated_at = now() WHERE close_id = ?",
                    params![format!("{e:#}"), current.close_id],
                );
                if let Err(db) = recorded {
                    tracing::error!(error = %db, "the close's error could not be recorded in the database");
                }
            }
            if !ctx.cfg.email.alert_to.is_empty() {
                let alert = alert_message(ctx, shop, &current, &e);
                let queued = notify::queue(store, &ctx.cfg.email, &alert)
                    .and_then(|()| notify::flush_outbox(store, &ctx.cfg.email, &ctx.email_backoff, Some(&shop.id)));
                if let Err(alert_err) = queued {
                    tracing::error!(error = %format!("{alert_err:#}"), "the alert could not be queued; sending it directly");
                    notify::alert_without_store(&ctx.cfg.email, &alert.subject, &alert.text);
                }
            }
            Err(e)
        }
    }
}

const REMARK_ADVICE: &str = "Ask SEQR support (with the clientReference in the log) whether the period was \
    closed; then run `seqr-recon run --shop {shop} --confirm-remark` to mark again. The sales of a lost period \
    appear in the next period's report.";

async fn advance(
    store: &Store,
    shop: &Shop,
    ctx: &CloseContext,
    mut close: CloseRow,
    opts: &CloseOptions,
) -> anyhow::Result<(CloseRow, ReportFiles, bool)> {
    let seqr_ctx = shop.reseller_context(&ctx.cfg.seqr.client_id)?;
    let scopes: Vec<Option<String>> = match shop.level {
        Level::Shop => vec![None],
        Level::Terminal => shop.terminals.iter().map(|t| Some(t.id.clone())).collect(),
    };

    // 1. Mark every scope that has no period yet.
    if matches!(close.state.as_str(), state::INTENT | state::MARKING | state::MARK_UNKNOWN) {
        mark_scopes(store, shop, ctx, &close, &scopes, opts).await?;
        store.set_close_state(&close.close_id, state::MARKED, None)?;
        failpoint("marked");
        close = store.close(&close.close_id)?.context("close")?;
    }

    // 2. Fetch every period's detail and summary report.
    if close.state == state::MARKED {
        for period in store.periods_of(&close.close_id)? {
            if period.state == "fetched" {
                continue;
            }
            let reports = match &period.terminal_id {
                None => [report_ids::SHOP_DETAIL, report_ids::SHOP_SUMMARY],
                Some(_) => [report_ids::TERMINAL_DETAIL, report_ids::TERMINAL_SUMMARY],
            };
            for report_id in reports {
                let started = Utc::now();
                let t = Instant::now();
                let waiting = progress::spinner(
                    &ctx.progress,
                    format!("{}: {report_id} of period {}", shop.id, period.period_id),
                );
                let fetched = ctx
                    .client
                    .fetch_report(&seqr_ctx, report_id, &period.period_id, period.terminal_id.as_deref(), &ctx.polling)
                    .await
                    .with_context(|| {
                        format!("fetching {report_id} for period {} of shop {}", period.period_id, shop.id)
                    });
                waiting.finish_and_clear();
                let fetched = fetched?;
                let r = &fetched.report;
                {
                    let _turn = ctx.heavy_db_turn();
                    store
                        .store_report(&close.close_id, &shop.id, &period, report_id, &fetched)
                        .with_context(|| format!("storing {report_id} for period {}", period.period_id))?;
                }
                record_step(
                    store,
                    ctx,
                    &close,
                    "fetch",
                    started,
                    "ok",
                    &format!(
                        "{report_id} {}: {} rows, {} attempts, {:.1} s",
                        period.period_id,
                        r.details.len() + r.summaries.len(),
                        fetched.attempts,
                        t.elapsed().as_secs_f64()
                    ),
                );
            }
            store.set_period_state(&period.period_id, "fetched")?;
        }
        store.set_close_state(&close.close_id, state::FETCHED, None)?;
        failpoint("fetched");
        close = store.close(&close.close_id)?.context("close")?;
    }

    // 3. Reconcile.
    let turn = ctx.heavy_db_turn();
    if close.state == state::FETCHED {
        let started = Utc::now();
        let linked = store.link_unknown_refunds(&shop.id, &shop.currency)?;
        if linked > 0 {
            record_step(
                store,
                ctx,
                &close,
                "link-refunds",
                started,
                "ok",
                &format!("{linked} refund(s) of unknown outcome found in SEQR's report"),
            );
        }
        let counts = reconcile(store, &shop.id, close.close_seq, &ctx.cfg.reconcile)?;
        store.record_close_inputs(&close.close_id, &ctx.run_id, &ctx.cfg.snapshot)?;
        record_step(store, ctx, &close, "reconcile", started, "ok", &format!("{counts:?}"));
        store.set_close_state(&close.close_id, state::RECONCILED, None)?;
        failpoint("reconciled");
        close = store.close(&close.close_id)?.context("close")?;
    }

    // 4. Check the result, write the CSVs and queue the email, then mark the close exported.
    if close.state == state::RECONCILED {
        refuse_unless_checks_pass(store, ctx, &close)?;
    }
    let label = close.label_period_id.clone().context("a marked close has a period id")?;
    let files = write_reports(&store.conn, &ctx.cfg.reports.dir, &shop.id, close.close_seq, &label)?;
    if close.state == state::RECONCILED {
        let started = Utc::now();
        // POS files refused since the last report: this report names them.
        store.claim_refusals(&shop.id, &close.close_id)?;
        let email = report_email(store, ctx, shop, &close, &label, &files, format!("{}-report", close.close_id))?;
        notify::queue(store, &ctx.cfg.email, &email)?;
        record_step(store, ctx, &close, "export", started, "ok", &files.dir.display().to_string());
        store.set_close_state(&close.close_id, state::EXPORTED, None)?;
        failpoint("exported");
        close = store.close(&close.close_id)?.context("close")?;
    }
    drop(turn);

    // 5. Deliver.
    let started = Utc::now();
    notify::flush_outbox(store, &ctx.cfg.email, &ctx.email_backoff, Some(&shop.id))?;
    let sent: bool = store.conn.query_row(
        "SELECT count(*) > 0 FROM emails WHERE email_id = ? AND sent_at IS NOT NULL",
        [format!("{}-report", close.close_id)],
        |r| r.get(0),
    )?;
    if sent {
        store.set_close_state(&close.close_id, state::EMAILED, None)?;
        record_step(store, ctx, &close, "email", started, "ok", "sent");
    } else {
        record_step(
            store,
            ctx,
            &close,
            "email",
            started,
            "queued",
            "delivery failed; it stays in the outbox for the next run",
        );
    }
    let close = store.close(&close.close_id)?.context("close")?;
    Ok((close, files, sent))
}

/// Marks every scope of the close that has no period yet. A mark that was in
/// flight when an earlier run stopped is taken from the mark journal when SEQR's
/// answer reached it; otherwise its outcome is unknown and the close stops in
/// `mark_unknown` (unless the operator confirmed a new mark).
async fn mark_scopes(
    store: &Store,
    shop: &Shop,
    ctx: &CloseContext,
    close: &CloseRow,
    scopes: &[Option<String>],
    opts: &CloseOptions,
) -> anyhow::Result<()> {
    let seqr_ctx = shop.reseller_context(&ctx.cfg.seqr.client_id)?;
    let journal = crate::journal::path_for(&ctx.cfg.store.database);
    let pending: Option<String> =
        store.conn.query_row("SELECT pending_scope FROM closes WHERE close_id = ?", [&close.close_id], |r| r.get(0))?;
    let mut marked: Vec<Option<String>> =
        store.periods_of(&close.close_id)?.into_iter().map(|p| p.terminal_id).collect();
    if let Some(scope) = pending {
        let scope_terminal = (scope != "shop").then_some(scope.clone());
        if !marked.contains(&scope_terminal) {
            match crate::journal::find(&journal, &close.close_id, &scope)? {
                Some(entry) => {
                    check_period_id(&entry.period_id).map_err(|what| {
                        anyhow::anyhow!(
                            "the mark journal {} holds period id {:?}, which {what}",
                            journal.display(),
                            entry.period_id
                        )
                    })?;
                    tracing::warn!(shop = %shop.id, period = %entry.period_id, client_reference = %entry.client_reference,
                        "taking the period SEQR returned from the mark journal: the database had not recorded it");
                    record_mark(store, close, scope_terminal.as_deref(), &entry)?;
                    marked.push(scope_terminal);
                }
                None if !opts.confirm_remark => {
                    // The process died while the mark was in flight.
                    store.set_close_state(
                        &close.close_id,
                        state::MARK_UNKNOWN,
                        Some("the process stopped during markTransactionPeriod"),
                    )?;
                    anyhow::bail!(
                        "close {} of shop {}: a markTransactionPeriod for {scope} was in flight when the process stopped; \
                         its outcome is unknown. {}",
                        close.close_id,
                        shop.id,
                        REMARK_ADVICE.replace("{shop}", &shop.id)
                    );
                }
                None => {}
            }
        }
    }
    for scope in scopes.iter().filter(|s| !marked.contains(s)) {
        let label = scope.clone().unwrap_or_else(|| "shop".into());
        let started = Utc::now();
        store.conn.execute(
            "UPDATE closes SET state = ?, pending_scope = ?, updated_at = now() WHERE close_id = ?",
            params![state::MARKING, label, close.close_id],
        )?;
        failpoint("marking");
        match ctx.client.mark_transaction_period(&seqr_ctx, scope.as_deref()).await {
            Ok((period_id, answer)) => {
                let entry = MarkEntry {
                    close_id: close.close_id.clone(),
                    scope: label.clone(),
                    period_id,
                    client_reference: answer.client_reference.clone(),
                    response_sha256: crate::seqr::sha256_hex(&answer.raw),
                };
                tracing::info!(shop = %shop.id, scope = %label, period = %entry.period_id,
                    client_reference = %entry.client_reference, "SEQR marked the period");
                if let Err(e) = crate::journal::append(&journal, &entry) {
                    tracing::error!(shop = %shop.id, period = %entry.period_id, client_reference = %entry.client_reference,
                        error = %format!("{e:#}"), "the mark journal could not be written; the period id is only in this log line until the database records it");
                }
                failpoint("mark_answered");
                if let Err(e) = record_mark(store, close, scope.as_deref(), &entry) {
                    tracing::error!(shop = %shop.id, period = %entry.period_id, client_reference = %entry.client_reference,
                        error = %format!("{e:#}"), "SEQR marked the period but the database could not record it");
                    return Err(e.context(format!(
                        "SEQR marked period {} for shop {} ({}), but the database could not record it; fix the \
                         database (disk space?) and run `seqr-recon run --shop {}`: the close resumes with this \
                         period id from the mark journal {}",
                        entry.period_id,
                        shop.id,
                        entry.client_reference,
                        shop.id,
                        journal.display()
                    )));
                }
                record_step(
                    store,
                    ctx,
                    close,
                    "mark",
                    started,
                    "ok",
                    &format!("{label}: period {} ({})", entry.period_id, entry.client_reference),
                );
            }
            Err(e) if e.outcome_unknown() => {
                store.set_close_state(&close.close_id, state::MARK_UNKNOWN, Some(&e.to_string()))?;
                record_step(store, ctx, close, "mark", started, "unknown", &e.to_string());
                return Err(anyhow::Error::new(e).context(format!(
                    "close {} of shop {} stopped in mark_unknown. {}",
                    close.close_id,
                    shop.id,
                    REMARK_ADVICE.replace("{shop}", &shop.id)
                )));
            }
            Err(e) => {
                // SEQR refused cleanly or was never reached: nothing was marked, a later run may try again.
                store.conn.execute(
                    "UPDATE closes SET state = ?, pending_scope = NULL, updated_at = now() WHERE close_id = ?",
                    params![state::INTENT, close.close_id],
                )?;
                record_step(store, ctx, close, "mark", started, "failed", &e.to_string());
                return Err(anyhow::Error::new(e).context(format!("marking the period of shop {}", shop.id)));
            }
        }
    }
    Ok(())
}

/// Records a period SEQR returned and clears the in-flight scope, in one step.
fn record_mark(store: &Store, close: &CloseRow, terminal: Option<&str>, entry: &MarkEntry) -> anyhow::Result<()> {
    store.record_period(
        close,
        &entry.period_id,
        terminal,
        period_time(&entry.period_id),
        &entry.client_reference,
        &entry.response_sha256,
    )?;
    store.conn.execute("UPDATE closes SET pending_scope = NULL WHERE close_id = ?", [&close.close_id])?;
    Ok(())
}

/// The self-check before anything is written or sent (`queries/reconcile/checks.sql`).
/// A failure is recorded, the close goes back to `marked` so the next run
/// fetches SEQR's reports again, and the error (sent to ops as an alert) lists
/// every failed check.
fn refuse_unless_checks_pass(store: &Store, ctx: &CloseContext, close: &CloseRow) -> anyhow::Result<()> {
    let started = Utc::now();
    let failures = self_check(&store.conn, &close.shop_id, close.close_seq)?;
    if failures.is_empty() {
        record_step(store, ctx, close, "check", started, "ok", "every row accounted for");
        return Ok(());
    }
    let tx = store.conn.unchecked_transaction()?;
    for f in &failures {
        tx.execute(
            "INSERT INTO check_failures VALUES (?, ?, now(), ?, ?)",
            params![close.close_id, ctx.run_id, f.check, f.detail],
        )?;
    }
    tx.execute("UPDATE periods SET state = 'marked' WHERE close_id = ?", [&close.close_id])?;
    tx.execute(
        "UPDATE closes SET state = ?, updated_at = now() WHERE close_id = ?",
        params![state::MARKED, close.close_id],
    )?;
    tx.commit()?;
    let list: Vec<String> = failures.iter().map(|f| format!("  {}: {}", f.check, f.detail)).collect();
    record_step(store, ctx, close, "check", started, "failed", &list.join("; "));
    anyhow::bail!(
        "close {} of shop {} failed its self-check, so its report was not sent:\n{}\n\
         The next run fetches SEQR's reports again and re-checks; if it fails again, keep the database \
         and send it with this message to support (table check_failures).",
        close.close_id,
        close.shop_id,
        list.join("\n")
    )
}

/// One row of summary.csv, for the email body.
struct SummaryLine {
    terminal: String,
    seqr_count: i64,
    seqr_total: Decimal,
    local_count: i64,
    local_total: Decimal,
    exceptions: i64,
    difference: Decimal,
}

fn summary_lines(store: &Store, shop_id: &str, close_seq: i64) -> anyhow::Result<Vec<SummaryLine>> {
    let mut stmt = store.conn.prepare(queries::SUMMARY_CSV)?;
    let (_, mut rows) = crate::store::query_named(&mut stmt, &[("shop_id", &shop_id), ("close_seq", &close_seq)])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(SummaryLine {
            terminal: r.get::<_, Option<String>>(2)?.unwrap_or_else(|| "TOTAL".into()),
            seqr_count: r.get(3)?,
            seqr_total: r.get(4)?,
            local_count: r.get(5)?,
            local_total: r.get(6)?,
            exceptions: r.get(8)?,
            difference: r.get(9)?,
        });
    }
    Ok(out)
}

/// The first exceptions of a close: (category, terminal, reference, difference, detail).
fn first_exceptions(store: &Store, shop_id: &str, close_seq: i64, limit: usize) -> anyhow::Result<Vec<[String; 5]>> {
    let mut stmt = store.conn.prepare(queries::EXCEPTIONS_CSV)?;
    let (_, mut rows) = crate::store::query_named(&mut stmt, &[("shop_id", &shop_id), ("close_seq", &close_seq)])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        if out.len() == limit {
            break;
        }
        let reference: Option<String> = r.get(5)?;
        let invoice: Option<String> = r.get(6)?;
        let diff: Option<Decimal> = r.get(9)?;
        out.push([
            r.get(0)?,
            r.get::<_, Option<String>>(3)?.unwrap_or_default(),
            reference.or(invoice).unwrap_or_default(),
            diff.map(|d| format!("{d:.2}")).unwrap_or_default(),
            r.get::<_, Option<String>>(11)?.unwrap_or_default(),
        ]);
    }
    Ok(out)
}

const REFUSED_WARNING: &str = "INCOMPLETE: these POS files were refused, so their sales are not in this \
    reconciliation. SEQR's rows for them show as MISSING_LOCALLY (or IN_TRANSIT): do not refund those customers; fix the file \
    (its .errors.txt in the inbox's rejected/ folder names every bad line) and put it back in the inbox.";

/// The report email of one close.
pub fn report_email(
    store: &Store,
    ctx: &CloseContext,
    shop: &Shop,
    close: &CloseRow,
    period_id: &str,
    files: &ReportFiles,
    email_id: String,
) -> anyhow::Result<Outgoing> {
    let lines = summary_lines(store, &shop.id, close.close_seq)?;
    let total = lines.iter().find(|l| l.terminal == "TOTAL");
    let (exceptions, difference) = total.map(|t| (t.exceptions, t.difference)).unwrap_or((0, Decimal::ZERO));
    let subject = format!(
        "[SEQR] {} period {period_id}: {exceptions} exception{}, difference {difference:.2} {}",
        shop.id,
        if exceptions == 1 { "" } else { "s" },
        shop.currency
    );
    let first = first_exceptions(store, &shop.id, close.close_seq, 20)?;
    let refused = store.refused_files(&close.close_id)?;
    let subject = if refused.is_empty() {
        subject
    } else {
        format!("{subject}, {} POS file(s) REFUSED: incomplete", refused.len())
    };

    let mut text = format!("{} ({}) — SEQR reconciliation of period {period_id}\n\n", shop.name, shop.id);
    text.push_str(&format!(
        "{:<34} {:>6} {:>14} {:>6} {:>14} {:>5} {:>12}\n",
        "terminal", "seqr", "seqr total", "local", "local total", "exc", "difference"
    ));
    for l in &lines {
        text.push_str(&format!(
            "{:<34} {:>6} {:>14.2} {:>6} {:>14.2} {:>5} {:>12.2}\n",
            l.terminal, l.seqr_count, l.seqr_total, l.local_count, l.local_total, l.exceptions, l.difference
        ));
    }
    if first.is_empty() {
        text.push_str("\n0 exceptions: every transaction matched.\n");
    } else {
        text.push_str(&format!("\nFirst {} of {exceptions} exceptions (all in exceptions.csv):\n", first.len()));
        for [cat, term, reference, diff, detail] in &first {
            text.push_str(&format!("- {cat} {term} {reference} {diff}: {detail}\n"));
        }
    }
    if !refused.is_empty() {
        text.push_str(&format!("\n{REFUSED_WARNING}\n"));
        for f in &refused {
            text.push_str(&format!("- {}: {} row(s) of this shop, {} problem(s)\n", f.file_name, f.rows, f.problems));
        }
    }
    text.push_str(&format!("\nFiles: {}\n", files.dir.display()));

    let mut html = format!(
        "<html><body><h2>{} ({}) &mdash; period {}</h2><table border=\"1\" cellpadding=\"4\" cellspacing=\"0\">\
         <tr><th>terminal</th><th>SEQR count</th><th>SEQR total</th><th>local count</th><th>local total</th><th>exceptions</th><th>difference</th></tr>",
        html_escape(&shop.name),
        html_escape(&shop.id),
        html_escape(period_id)
    );
    for l in &lines {
        html.push_str(&format!(
            "<tr><td>{}</td><td align=\"right\">{}</td><td align=\"right\">{:.2}</td><td align=\"right\">{}</td><td align=\"right\">{:.2}</td><td align=\"right\">{}</td><td align=\"right\">{:.2}</td></tr>",
            html_escape(&l.terminal), l.seqr_count, l.seqr_total, l.local_count, l.local_total, l.exceptions, l.difference
        ));
    }
    html.push_str("</table>");
    if !refused.is_empty() {
        html.push_str(&format!("<p><strong>{}</strong></p><ul>", html_escape(REFUSED_WARNING)));
        for f in &refused {
            html.push_str(&format!(
                "<li>{}: {} row(s) of this shop, {} problem(s)</li>",
                html_escape(&f.file_name),
                f.rows,
                f.problems
            ));
        }
        html.push_str("</ul>");
    }
    if first.is_empty() {
        html.push_str("<p>0 exceptions: every transaction matched.</p>");
    } else {
        html.push_str("<h3>First exceptions</h3><table border=\"1\" cellpadding=\"4\" cellspacing=\"0\"><tr><th>category</th><th>terminal</th><th>reference</th><th>difference</th><th>detail</th></tr>");
        for row in &first {
            html.push_str("<tr>");
            for cell in row {
                html.push_str(&format!("<td>{}</td>", html_escape(cell)));
            }
            html.push_str("</tr>");
        }
        html.push_str("</table>");
    }
    html.push_str("</body></html>");

    let mut attachments = vec![read_attachment(&files.summary)?, read_attachment(&files.exceptions)?];
    if std::fs::metadata(&files.transactions)?.len() <= ctx.cfg.email.attach_transactions_max_bytes {
        attachments.push(read_attachment(&files.transactions)?);
    }
    Ok(Outgoing {
        email_id,
        shop_id: Some(shop.id.clone()),
        period_id: Some(period_id.to_string()),
        kind: "report",
        subject,
        recipients: shop.email_to.clone().unwrap_or_else(|| ctx.cfg.email.to.clone()),
        text,
        html: Some(html),
        attachments,
    })
}

/// The alert for a failed close: the error and the next step.
fn alert_message(ctx: &CloseContext, shop: &Shop, close: &CloseRow, error: &anyhow::Error) -> Outgoing {
    let next = if close.state == state::MARK_UNKNOWN {
        REMARK_ADVICE.replace("{shop}", &shop.id)
    } else {
        format!("Fix the cause above, then run `seqr-recon run --shop {}`: the close resumes from state {} without marking again.", shop.id, close.state)
    };
    Outgoing {
        email_id: format!("{}-alert-{}", close.close_id, Utc::now().format("%Y%m%dT%H%M%S%.6f")),
        shop_id: Some(shop.id.clone()),
        period_id: close.label_period_id.clone(),
        kind: "alert",
        subject: format!("[SEQR] ALERT {}: close {} failed in state {}", shop.id, close.close_id, close.state),
        recipients: ctx.cfg.email.alert_to.clone(),
        text: format!(
            "The close of shop {} ({}) failed.\n\nError: {error:#}\n\nNext step: {next}\n",
            shop.id, shop.name
        ),
        html: None,
        attachments: vec![],
    }
}

/// Queues the report of an earlier close again and sends it (`seqr-recon resend`).
pub fn resend(store: &Store, ctx: &CloseContext, shop: &Shop, period_id: &str) -> anyhow::Result<PathBuf> {
    let close = store.close_by_period(&shop.id, period_id)?.with_context(|| {
        format!("shop {} has no close with period {period_id}; `seqr-recon status` lists them", shop.id)
    })?;
    if !state::is_complete(&close.state) {
        anyhow::bail!(
            "the close of period {period_id} is in state {}; run `seqr-recon run --shop {}` to finish it first",
            close.state,
            shop.id
        );
    }
    let label = close.label_period_id.clone().context("period")?;
    let files = write_reports(&store.conn, &ctx.cfg.reports.dir, &shop.id, close.close_seq, &label)?;
    let n: i64 = store.conn.query_row(
        "SELECT count(*) FROM emails WHERE email_id LIKE ?",
        [format!("{}-report%", close.close_id)],
        |r| r.get(0),
    )?;
    let id = format!("{}-report-resend-{n}", close.close_id);
    let email = report_email(store, ctx, shop, &close, &label, &files, id.clone())?;
    notify::queue(store, &ctx.cfg.email, &email)?;
    notify::flush_outbox(store, &ctx.cfg.email, &ctx.email_backoff, Some(&shop.id))?;
    notify::eml_path(store, &id)?.context("queued email")
}

/// Which shops a batch closes, and how.
pub struct Batch {
    /// Each shop with the slot its close stands for.
    pub shops: Vec<(Shop, DateTime<Utc>)>,
    pub confirm_remark: bool,
    /// After resuming an older unfinished close, also close this slot (the
    /// daemon); a manual `run` only resumes.
    pub close_slot_after_resume: bool,
}

/// What a batch did: the inbox, then each shop's close.
pub struct BatchOutcome {
    pub inbox: InboxOutcome,
    pub results: Vec<(Shop, anyhow::Result<CloseOutcome>)>,
}

/// Flushes mail left from earlier runs, loads the inbox, then closes the shops,
/// at most `max_concurrent_shops` at once. One shop's failure (alerted by its
/// close) does not stop the others.
pub async fn run_batch(store: &Store, ctx: &Arc<CloseContext>, batch: Batch) -> anyhow::Result<BatchOutcome> {
    let cfg = &ctx.cfg;
    store.sync_config(cfg)?;
    let flushed = notify::flush_outbox(store, &cfg.email, &ctx.email_backoff, None)?;
    if flushed.sent + flushed.left > 0 {
        tracing::info!(sent = flushed.sent, still_queued = flushed.left, "outbox flushed");
    }
    let currencies: ShopCurrencies = cfg.shops.iter().map(|s| (s.id.clone(), s.currency.clone())).collect();
    let inbox = ingest_inbox(store, &cfg.pos.inbox, &currencies)?;
    for (path, rejected) in &inbox.rejected {
        tracing::error!(file = %path.display(), problems = rejected.problems.len(), "POS file refused; see the .errors.txt beside it");
    }
    if !inbox.rejected.is_empty() && !cfg.email.alert_to.is_empty() {
        let list: Vec<String> = inbox
            .rejected
            .iter()
            .map(|(path, r)| format!("- {} ({} problem(s))", path.display(), r.problems.len()))
            .collect();
        let alert = Outgoing {
            email_id: format!("inbox-refused-{}", Utc::now().format("%Y%m%dT%H%M%S%.6f")),
            shop_id: None,
            period_id: None,
            kind: "alert",
            subject: format!("[SEQR] ALERT: {} POS file(s) refused", inbox.rejected.len()),
            recipients: cfg.email.alert_to.clone(),
            text: format!(
                "These POS files were refused and nothing of them was loaded:\n{}\n\nEach .errors.txt beside \
                 the file names every bad line. The shops' reports tonight say they are incomplete. Fix the file \
                 and put it back in the inbox; the next close takes it.\n",
                list.join("\n")
            ),
            html: None,
            attachments: vec![],
        };
        notify::queue(store, &cfg.email, &alert)?;
        notify::flush_outbox(store, &cfg.email, &ctx.email_backoff, None)?;
    }

    let limit = Arc::new(tokio::sync::Semaphore::new(cfg.schedule.max_concurrent_shops.max(1)));
    let mut tasks = Vec::new();
    for (shop, slot) in batch.shops {
        let conn = store.try_clone()?;
        let (ctx, limit) = (ctx.clone(), limit.clone());
        let opts = CloseOptions { slot, confirm_remark: batch.confirm_remark };
        let again = batch.close_slot_after_resume;
        let handle = tokio::runtime::Handle::current();
        // A DuckDB connection is not Sync: each close runs on its own blocking
        // thread, where its database work may block freely.
        tasks.push(tokio::task::spawn_blocking(move || {
            handle.block_on(async move {
                let _permit = limit.acquire().await;
                let mut result = run_once(&conn, &shop, &ctx, &opts).await;
                if again
                    && matches!(&result, Ok(CloseOutcome::Closed { resumed: true, close, .. }) if close.slot < slot)
                {
                    result = run_once(&conn, &shop, &ctx, &opts).await;
                }
                (shop, result)
            })
        }));
    }
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await?);
    }
    Ok(BatchOutcome { inbox, results })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_cannot_take_a_shops_lock_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let text = format!(
            "[seqr]\nendpoint = \"http://x\"\nclient_id = \"x\"\n[store]\ndatabase = {:?}\n",
            dir.path().join("db.duckdb")
        );
        let cfg = Config::parse(&text, "t.toml").unwrap();
        let first = lock_shop(&cfg, "shop-1").unwrap();
        let e = lock_shop(&cfg, "shop-1").err().expect("the lock is held");
        assert!(
            e.to_string().contains(&format!("being closed by another process (pid {})", std::process::id())),
            "{e}"
        );
        assert!(lock_shop(&cfg, "shop-2").is_ok(), "other shops are not blocked");
        drop(first);
        assert!(lock_shop(&cfg, "shop-1").is_ok());
    }

    #[test]
    fn a_period_id_carries_seqr_time_of_the_mark() {
        assert_eq!(period_time("2026112121003312301000044").to_rfc3339(), "2026-11-21T21:00:33+00:00");
        let before = Utc::now();
        assert!(period_time("P-not-a-time") >= before);
    }
}
