//! Classification of one close: runs `queries/reconcile/*.sql` in one
//! transaction; the self-check of its arithmetic; and the recomputation of a
//! stored close from its raw reports (`seqr-recon reconcile --period`). No
//! network, no email; only the store.

use std::path::Path;

use anyhow::Context;
use rust_decimal::Decimal;

use crate::config::{Config, ReconcileSettings, ReportSettings};
use crate::domain::{Category, CloseKey, ShopId};
use crate::export::{write_close_reports, write_reports, ReportFiles, CSV_NAMES};
use crate::lake::Lake;
use crate::seqr::client::decompress_report;
use crate::seqr::report::parse_report;
use crate::store::reconcile::CloseToRecompute;
pub use crate::store::CheckFailure;
use crate::store::{ClassifyParams, Store};

/// What the classification queries take from `[reconcile]`.
pub fn classify_params(settings: &ReconcileSettings) -> ClassifyParams {
    ClassifyParams {
        amount_tolerance: Decimal::new(settings.probable_amount_tolerance_minor.into(), 2),
        probable_window_seconds: i64::from(settings.probable_time_window_seconds),
        unpolled_window_seconds: i64::from(settings.unpolled_link_window_seconds),
        in_transit_window_seconds: i64::from(settings.in_transit_window_seconds),
    }
}

/// Re-classifies every open item of the shop for close number `close_seq`,
/// replacing any earlier result of the same close, in one transaction.
pub fn reconcile(
    store: &Store,
    shop_id: &ShopId,
    close_seq: i64,
    settings: &ReconcileSettings,
) -> anyhow::Result<Vec<(Category, i64)>> {
    reconcile_closes(store, &[CloseKey::new(shop_id, close_seq)], settings)?;
    store.category_counts(shop_id, close_seq)
}

/// Re-classifies the closes of several shops (at most one close per shop)
/// in one transaction and one classification: what a run closing many shops
/// does with the closes ready at the same moment.
pub fn reconcile_closes(store: &Store, closes: &[CloseKey<'_>], settings: &ReconcileSettings) -> anyhow::Result<()> {
    let tx = store.transaction()?;
    tx.classify(closes, &classify_params(settings))?;
    tx.commit()
}

/// The self-check of a reconciled close (`queries/reconcile/checks.sql`):
/// empty when every row is accounted for, totals tie and periods are whole.
pub fn self_check(store: &Store, shop_id: &ShopId, close_seq: i64) -> anyhow::Result<Vec<CheckFailure>> {
    store.self_check(shop_id, close_seq)
}

/// The self-checks of the closes of several shops (at most one close per
/// shop) in one statement: each close's failures, in the order of `closes`.
pub fn check_closes(store: &Store, closes: &[CloseKey<'_>]) -> anyhow::Result<Vec<Vec<CheckFailure>>> {
    let mut failures = store.check_closes(closes)?;
    Ok(closes.iter().map(|close| failures.remove(close.shop_id).unwrap_or_default()).collect())
}

/// What recomputing a close from its stored raw reports found.
#[derive(Debug)]
pub struct Recomputed {
    /// The shop.
    pub shop_id: ShopId,
    /// The close number.
    pub close_seq: i64,
    /// The close's label period.
    pub period_id: String,
    /// Classifications the recomputation has and the stored result lacks (`+`),
    /// and the reverse (`-`), as `CATEGORY keys: detail` lines.
    pub added: Vec<String>,
    /// Classifications the stored result has and the recomputed one lacks.
    pub removed: Vec<String>,
    /// Each CSV and whether the recomputed file differs from the one on disk.
    pub csv_changed: Vec<(String, bool)>,
    /// Self-checks the recomputed result fails; a result that fails one is never kept.
    pub check_failures: Vec<CheckFailure>,
    /// Whether the recomputed result was kept.
    pub applied: bool,
}

/// Recomputes a close from what the store kept: the raw report XML is parsed
/// again, its rows replaced, the close re-classified with `[reconcile]` and its
/// CSVs written to a scratch folder and compared byte for byte with those in
/// `[reports] dir`. With `apply` false everything is rolled back; with `apply`
/// true (only for a shop's latest close, as later closes build on it) the new
/// result is kept and the CSVs replaced, unless it fails a self-check. Never
/// touches SEQR or email.
pub fn recompute(store: &Store, cfg: &Config, period_id: &str, apply: bool) -> anyhow::Result<Recomputed> {
    let found = store.close_to_recompute(period_id)?.with_context(|| {
        format!("no close has period {period_id}; `seqr-recon status` and the view v_runs list them")
    })?;
    refuse_unless_recomputable(&found, period_id, apply)?;
    let (shop_id, close_seq, label) = (found.shop_id, found.close_seq, found.label_period_id);
    let tx = store.transaction()?;
    tx.keep_result_before(&shop_id, close_seq)?;
    parse_stored_reports_again(&tx, &shop_id, close_seq)?;
    tx.classify(&[CloseKey::new(&shop_id, close_seq)], &classify_params(&cfg.reconcile))?;
    let check_failures = tx.self_check(&shop_id, close_seq)?;
    let added = tx.result_changes(&shop_id, close_seq, true)?;
    let removed = tx.result_changes(&shop_id, close_seq, false)?;
    let scratch = tempfile::tempdir()?;
    // The CSVs as the close writes them (the shop's style), to compare byte for byte.
    let write = |store: &Store, root: &Path| -> anyhow::Result<ReportFiles> {
        match cfg.shop(&shop_id) {
            Some(shop) => {
                let settings = ReportSettings { dir: root.to_path_buf(), ..cfg.reports.clone() };
                let mail_limit = cfg.email.attach_transactions_max_bytes;
                Ok(write_close_reports(store, &settings, shop, close_seq, &label, mail_limit)?.files)
            }
            None => write_reports(store, root, &shop_id, close_seq, &label),
        }
    };
    let fresh = write(&tx, scratch.path())?;
    let csv_changed = changed_csvs(&fresh.dir, &cfg.reports.dir.join(shop_id.as_str()).join(&label))?;
    tx.drop_result_before()?;
    let apply = apply && check_failures.is_empty();
    if apply {
        tx.commit()?;
        write(store, &cfg.reports.dir)?;
        // A published close's files in the lake are replaced by the new result.
        if let (Some(lake), Some(shop), Some(close)) =
            (Lake::from_config(cfg), cfg.shop(&shop_id), store.close_by_period(&shop_id, &label)?)
        {
            if close.state.is_complete() {
                lake.publish(store, shop, &close)?;
            }
        }
    }
    // Without `apply` the transaction is rolled back when dropped.
    Ok(Recomputed { shop_id, close_seq, period_id: label, added, removed, csv_changed, check_failures, applied: apply })
}

/// A close can be recomputed once it has a result; for real only the shop's
/// latest, as later closes were built on its result.
fn refuse_unless_recomputable(found: &CloseToRecompute, period_id: &str, apply: bool) -> anyhow::Result<()> {
    let (shop_id, close_seq) = (&found.shop_id, found.close_seq);
    if !found.state.has_result() {
        anyhow::bail!(
            "the close of period {period_id} (shop {shop_id}) is in state {}: it has no result to \
             recompute yet; `seqr-recon run --shop {shop_id}` finishes it",
            found.state
        );
    }
    if apply && close_seq != found.latest_seq {
        anyhow::bail!(
            "period {period_id} belongs to close {close_seq} of shop {shop_id}, and close {} was built on \
             its result; only the latest close can be recomputed for real. Use --dry-run to see the difference.",
            found.latest_seq
        );
    }
    Ok(())
}

/// Parses the close's stored raw reports again and replaces their rows.
fn parse_stored_reports_again(store: &Store, shop_id: &ShopId, close_seq: i64) -> anyhow::Result<()> {
    for (report_period, report_id, terminal_id, stored) in store.stored_reports_of_close(shop_id, close_seq)? {
        let text = decompress_report(&stored)
            .with_context(|| format!("the stored copy of {report_id} for period {report_period} is not readable"))?;
        let report = parse_report(&text, &report_id, &report_period)?;
        store.replace_report_rows(shop_id, &report_period, &report_id, terminal_id.as_deref(), &report)?;
    }
    Ok(())
}

/// Each CSV of `fresh` and whether it differs from the one in `current`, byte for byte.
fn changed_csvs(fresh: &Path, current: &Path) -> anyhow::Result<Vec<(String, bool)>> {
    CSV_NAMES
        .iter()
        .map(|name| {
            let new = std::fs::read(fresh.join(name))?;
            let old = std::fs::read(current.join(name)).ok();
            Ok((name.to_string(), old.as_deref() != Some(new.as_slice())))
        })
        .collect()
}
