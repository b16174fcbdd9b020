//! Classification of one close: runs `queries/reconcile/*.sql` in one
//! transaction; the self-check of its arithmetic; and the recomputation of a
//! stored close from its raw reports (`seqr-recon reconcile --period`). No
//! network, no email; only the store.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Context;
use duckdb::{params, Connection};
use rust_decimal::Decimal;

use crate::config::ReconcileSettings;
use crate::export::write_query_csv;
use crate::seqr::report::parse_report;
use crate::store::seqr_data::insert_report_rows;
use crate::store::{execute_named, queries, Store};

/// The categories, as written in `exceptions.csv` (part of the product's interface).
pub const CATEGORIES: &[&str] = &[
    "MATCHED",
    "AMOUNT_MISMATCH",
    "TERMINAL_MISMATCH",
    "MISSING_AT_SEQR",
    "MISSING_LOCALLY",
    "IN_TRANSIT",
    "DUPLICATE_LOCAL",
    "REFUND_UNMATCHED",
    "REFUND_MISSING_LOCALLY",
    "UNPOLLED_REVERSED",
    "SUMMARY_MISMATCH",
    "LATE_MATCHED",
    "PROBABLE_MATCH",
];

/// Re-classifies every open item of the shop for close number `close_seq`,
/// replacing any earlier result of the same close.
pub fn reconcile(
    store: &Store,
    shop_id: &str,
    close_seq: i64,
    settings: &ReconcileSettings,
) -> anyhow::Result<Vec<(String, i64)>> {
    let tx = store.conn.unchecked_transaction()?;
    classify(&tx, shop_id, close_seq, settings)?;
    tx.commit()?;
    store.category_counts(shop_id, close_seq)
}

/// The classification itself, inside the caller's transaction.
fn classify(conn: &Connection, shop_id: &str, close_seq: i64, settings: &ReconcileSettings) -> anyhow::Result<()> {
    let amount_tolerance = Decimal::new(settings.probable_amount_tolerance_minor.into(), 2);
    let probable_window = i64::from(settings.probable_time_window_seconds);
    let unpolled_window = i64::from(settings.unpolled_link_window_seconds);
    let in_transit_window = i64::from(settings.in_transit_window_seconds);
    for (name, sql) in queries::RECONCILE {
        execute_named(
            conn,
            sql,
            &[
                ("shop_id", &shop_id),
                ("close_seq", &close_seq),
                ("amount_tolerance", &amount_tolerance),
                ("probable_window", &probable_window),
                ("unpolled_window", &unpolled_window),
                ("in_transit_window", &in_transit_window),
            ],
        )
        .map_err(|e| e.context(format!("running queries/{name} for shop {shop_id}, close {close_seq}")))?;
    }
    Ok(())
}

/// One failed self-check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckFailure {
    pub check: String,
    pub detail: String,
}

/// Runs `queries/reconcile/checks.sql` for a reconciled close: empty when every
/// row is accounted for, totals tie and periods are whole.
pub fn self_check(conn: &Connection, shop_id: &str, close_seq: i64) -> anyhow::Result<Vec<CheckFailure>> {
    let mut stmt = conn.prepare(queries::CHECKS)?;
    let (_, mut rows) = crate::store::query_named(&mut stmt, &[("shop_id", &shop_id), ("close_seq", &close_seq)])?;
    let mut failures = Vec::new();
    while let Some(r) = rows.next()? {
        failures.push(CheckFailure { check: r.get(0)?, detail: r.get(1)? });
    }
    Ok(failures)
}

/// The three CSV files of one close.
#[derive(Debug, Clone)]
pub struct ReportFiles {
    pub dir: PathBuf,
    pub summary: PathBuf,
    pub exceptions: PathBuf,
    pub transactions: PathBuf,
}

const CSV_NAMES: [&str; 3] = ["summary.csv", "exceptions.csv", "transactions.csv"];

/// Writes `summary.csv`, `exceptions.csv` and `transactions.csv` into
/// `{root}/{shop_id}/{period_id}/`, each through a temporary file and a rename,
/// so a reader never sees half a file.
pub fn write_reports(
    conn: &Connection,
    root: &Path,
    shop_id: &str,
    close_seq: i64,
    period_id: &str,
) -> anyhow::Result<ReportFiles> {
    // Both names come from outside (the config, SEQR): neither may leave `root`.
    let dir = crate::paths::under(root, &[shop_id, period_id])?;
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    // Each file is written whole and synced before the close's state names it.
    let write = |name: &str, sql: &str| -> anyhow::Result<PathBuf> {
        let path = dir.join(name);
        let tmp = dir.join(format!(".{name}.tmp"));
        let mut file = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        write_query_csv(conn, sql, &[("shop_id", &shop_id), ("close_seq", &close_seq)], &mut file)?;
        file.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        Ok(path)
    };
    let files = ReportFiles {
        summary: write(CSV_NAMES[0], queries::SUMMARY_CSV)?,
        exceptions: write(CSV_NAMES[1], queries::EXCEPTIONS_CSV)?,
        transactions: write(CSV_NAMES[2], queries::TRANSACTIONS_CSV)?,
        dir,
    };
    crate::paths::sync_dir(&files.dir)?;
    Ok(files)
}

/// What recomputing a close from its stored raw reports found.
#[derive(Debug)]
pub struct Recomputed {
    pub shop_id: String,
    pub close_seq: i64,
    pub period_id: String,
    /// Classifications the recomputation has and the stored result lacks (`+`),
    /// and the reverse (`-`), as `CATEGORY keys: detail` lines.
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// Each CSV and whether the recomputed file differs from the one on disk.
    pub csv_changed: Vec<(String, bool)>,
    /// Self-checks the recomputed result fails; a result that fails one is never kept.
    pub check_failures: Vec<CheckFailure>,
    pub applied: bool,
}

/// Recomputes a close from what the store kept: the raw report XML is parsed
/// again, its rows replaced, the close re-classified with `settings` and its
/// CSVs written to a scratch folder and compared byte for byte with those in
/// `reports_root`. With `apply` false everything is rolled back; with `apply`
/// true (only for a shop's latest close, as later closes build on it) the new
/// result is kept and the CSVs replaced, unless it fails a self-check. Never
/// touches SEQR or email.
pub fn recompute(
    store: &Store,
    settings: &ReconcileSettings,
    reports_root: &Path,
    period_id: &str,
    apply: bool,
) -> anyhow::Result<Recomputed> {
    let found: Option<(String, i64, String, String, i64)> = store
        .conn
        .query_row(
            "SELECT c.shop_id, c.close_seq, c.label_period_id, c.state, \
                    (SELECT max(close_seq) FROM closes l WHERE l.shop_id = c.shop_id) \
             FROM closes c WHERE c.label_period_id = ?1 \
                OR c.close_id IN (SELECT close_id FROM periods WHERE period_id = ?1)",
            [period_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .map(Some)
        .or_else(|e| if matches!(e, duckdb::Error::QueryReturnedNoRows) { Ok(None) } else { Err(e) })?;
    let (shop_id, close_seq, label, close_state, latest) = found.with_context(|| {
        format!("no close has period {period_id}; `seqr-recon status` and `SELECT * FROM v_runs` list them")
    })?;
    if !["reconciled", "exported", "emailed"].contains(&close_state.as_str()) {
        anyhow::bail!(
            "the close of period {period_id} (shop {shop_id}) is in state {close_state}: it has no result to \
             recompute yet; `seqr-recon run --shop {shop_id}` finishes it"
        );
    }
    if apply && close_seq != latest {
        anyhow::bail!(
            "period {period_id} belongs to close {close_seq} of shop {shop_id}, and close {latest} was built on \
             its result; only the latest close can be recomputed for real. Use --dry-run to see the difference."
        );
    }

    let tx = store.conn.unchecked_transaction()?;
    tx.execute_batch("CREATE OR REPLACE TEMP TABLE recompute_before AS SELECT * FROM recon_results WHERE false")?;
    tx.execute(
        "INSERT INTO recompute_before SELECT * FROM recon_results WHERE shop_id = ? AND close_seq = ?",
        params![shop_id, close_seq],
    )?;
    let mut stmt = tx.prepare(
        "SELECT r.period_id, r.report_id, r.terminal_id, r.report_gz FROM seqr_reports r \
         JOIN periods p USING (period_id) WHERE p.shop_id = ? AND p.close_seq = ? ORDER BY r.period_id, r.report_id",
    )?;
    let reports: Vec<(String, String, Option<String>, Vec<u8>)> = stmt
        .query_map(params![shop_id, close_seq], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<_, _>>()?;
    drop(stmt);
    for (report_period, report_id, terminal_id, gz) in &reports {
        let mut text = String::new();
        flate2::read::GzDecoder::new(gz.as_slice())
            .read_to_string(&mut text)
            .with_context(|| format!("the stored copy of {report_id} for period {report_period} is not readable"))?;
        let report = parse_report(&text, report_id, report_period)?;
        insert_report_rows(&tx, &shop_id, report_period, report_id, terminal_id.as_deref(), &report)?;
    }
    classify(&tx, &shop_id, close_seq, settings)?;
    let check_failures = self_check(&tx, &shop_id, close_seq)?;

    let diff = |sign: &str, a: &str, b: &str| -> anyhow::Result<Vec<String>> {
        let sql = format!(
            "SELECT category, concat_ws(' ', local_key, seqr_key, invoice_key), coalesce(detail, '') FROM ( \
               SELECT * EXCLUDE (period_id) FROM {a} WHERE shop_id = ?1 AND close_seq = ?2 \
               EXCEPT ALL SELECT * EXCLUDE (period_id) FROM {b} WHERE shop_id = ?1 AND close_seq = ?2) \
             ORDER BY 1, 2, 3"
        );
        let mut stmt = tx.prepare(&sql)?;
        let rows = stmt.query_map(params![shop_id, close_seq], |r| {
            Ok(format!("{sign} {} {}: {}", r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    };
    let added = diff("+", "recon_results", "recompute_before")?;
    let removed = diff("-", "recompute_before", "recon_results")?;

    let scratch = tempfile::tempdir()?;
    let fresh = write_reports(&tx, scratch.path(), &shop_id, close_seq, &label)?;
    let current_dir = reports_root.join(&shop_id).join(&label);
    let mut csv_changed = Vec::new();
    for name in CSV_NAMES {
        let new = std::fs::read(fresh.dir.join(name))?;
        let old = std::fs::read(current_dir.join(name)).ok();
        csv_changed.push((name.to_string(), old.as_deref() != Some(new.as_slice())));
    }
    tx.execute_batch("DROP TABLE recompute_before")?;
    let apply = apply && check_failures.is_empty();
    if apply {
        tx.commit()?;
        write_reports(&store.conn, reports_root, &shop_id, close_seq, &label)?;
    }
    // Without `apply` the transaction is rolled back when dropped.
    Ok(Recomputed { shop_id, close_seq, period_id: label, added, removed, csv_changed, check_failures, applied: apply })
}
