//! The rows a close's files are written from (`queries/files/`, for
//! `$closes`): read row by row, or written straight to CSV by DuckDB's `COPY`
//! with every cell made text in SQL. And the one door for SQL from outside: an
//! analyst's (`seqr-recon query`).

use std::path::Path;

use duckdb::types::Value;

use super::{closes_value, queries, Param, Store};
use crate::domain::CloseKey;

/// A file of a close, by the query that selects its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseFile {
    /// `summary.csv`: one row per terminal and the shop's total row, last.
    Summary,
    /// `exceptions.csv`: every category but MATCHED.
    Exceptions,
    /// `transactions.csv`: every item.
    Transactions,
}

impl CloseFile {
    /// The three, in the order a close writes them.
    pub const ALL: [CloseFile; 3] = [CloseFile::Summary, CloseFile::Exceptions, CloseFile::Transactions];

    fn rows_sql(self) -> &'static str {
        match self {
            CloseFile::Summary => queries::SUMMARY_ROWS,
            CloseFile::Exceptions => queries::EXCEPTIONS_ROWS,
            CloseFile::Transactions => queries::TRANSACTIONS_ROWS,
        }
    }

    fn csv_sql(self) -> &'static str {
        match self {
            CloseFile::Summary => queries::SUMMARY_CSV,
            CloseFile::Exceptions => queries::EXCEPTIONS_CSV,
            CloseFile::Transactions => queries::TRANSACTIONS_CSV,
        }
    }
}

impl Store {
    /// Runs `file`'s query for `closes` (at most one per shop) and hands each
    /// row to `visit` with the column names. Returns the column names.
    pub fn close_file_rows(
        &self,
        file: CloseFile,
        closes: &[CloseKey<'_>],
        visit: impl FnMut(&[String], &[Value]) -> anyhow::Result<()>,
    ) -> anyhow::Result<Vec<String>> {
        self.with_macros()?;
        self.for_each_row(file.rows_sql(), &[("closes", &closes_value(closes))], visit)
    }

    /// Writes `file`'s rows for `closes` to `path` as CSV with DuckDB's `COPY`
    /// (a million rows in a fraction of a second): every cell made text in SQL
    /// by the rules of `export::cell_text`, with `;` between fields and a
    /// decimal comma when `decimal_comma`, else `,` and a point. Returns the row count.
    pub fn copy_close_file_csv(
        &self,
        file: CloseFile,
        closes: &[CloseKey<'_>],
        decimal_comma: bool,
        path: &Path,
    ) -> anyhow::Result<u64> {
        self.with_macros()?;
        let list = closes_value(closes);
        self.copy_csv(file.csv_sql(), &[("closes", &list), ("decimal_comma", &decimal_comma)], path, decimal_comma)
    }

    /// Runs an analyst's SQL (`seqr-recon query`), with named parameters
    /// bound, never spliced, and hands each row to `visit` with the column
    /// names. The one method that takes SQL from outside the store.
    pub fn analyst_rows(
        &self,
        sql: &str,
        params: &[Param<'_>],
        visit: impl FnMut(&[String], &[Value]) -> anyhow::Result<()>,
    ) -> anyhow::Result<Vec<String>> {
        self.for_each_row(sql, params, visit)
    }
}
