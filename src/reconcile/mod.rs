//! Classification of one close: runs `queries/reconcile/*.sql` in one
//! transaction. No network, no email; only the store.

use std::path::{Path, PathBuf};

use crate::export::write_query_csv;
use crate::store::{execute_named, queries, Store};

/// The categories, as written in `exceptions.csv` (part of the product's interface).
pub const CATEGORIES: &[&str] = &[
    "MATCHED",
    "AMOUNT_MISMATCH",
    "TERMINAL_MISMATCH",
    "MISSING_AT_SEQR",
    "MISSING_LOCALLY",
    "DUPLICATE_LOCAL",
    "UNPOLLED_REVERSED",
    "SUMMARY_MISMATCH",
    "LATE_MATCHED",
];

/// Re-classifies every open item of the shop for close number `close_seq`,
/// replacing any earlier result of the same close.
pub fn reconcile(store: &Store, shop_id: &str, close_seq: i64) -> anyhow::Result<Vec<(String, i64)>> {
    let tx = store.conn.unchecked_transaction()?;
    for (name, sql) in queries::RECONCILE {
        execute_named(&tx, sql, &[("shop_id", &shop_id), ("close_seq", &close_seq)])
            .map_err(|e| e.context(format!("running queries/{name} for shop {shop_id}, close {close_seq}")))?;
    }
    tx.commit()?;
    store.category_counts(shop_id, close_seq)
}

/// The three CSV files of one close.
#[derive(Debug, Clone)]
pub struct ReportFiles {
    pub dir: PathBuf,
    pub summary: PathBuf,
    pub exceptions: PathBuf,
    pub transactions: PathBuf,
}

/// Writes `summary.csv`, `exceptions.csv` and `transactions.csv` into
/// `{root}/{shop_id}/{period_id}/`, each through a temporary file and a rename,
/// so a reader never sees half a file.
pub fn write_reports(
    store: &Store,
    root: &Path,
    shop_id: &str,
    close_seq: i64,
    period_id: &str,
) -> anyhow::Result<ReportFiles> {
    let dir = root.join(shop_id).join(period_id);
    std::fs::create_dir_all(&dir)?;
    let write = |name: &str, sql: &str| -> anyhow::Result<PathBuf> {
        let path = dir.join(name);
        let tmp = dir.join(format!(".{name}.tmp"));
        let file = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        write_query_csv(&store.conn, sql, &[("shop_id", &shop_id), ("close_seq", &close_seq)], file)?;
        std::fs::rename(&tmp, &path)?;
        Ok(path)
    };
    Ok(ReportFiles {
        summary: write("summary.csv", queries::SUMMARY_CSV)?,
        exceptions: write("exceptions.csv", queries::EXCEPTIONS_CSV)?,
        transactions: write("transactions.csv", queries::TRANSACTIONS_CSV)?,
        dir,
    })
}
