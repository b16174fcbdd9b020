//! The rows a close's files are written from (`queries/reconcile/summary.sql`,
//! `exceptions.sql`, `transactions.sql`, for `$closes`): read row by row, or
//! written straight to CSV by DuckDB's `COPY` with every cell made text in
//! SQL. And the one door for SQL from outside: an analyst's (`seqr-recon query`).

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

    fn sql(self) -> &'static str {
        match self {
            CloseFile::Summary => queries::SUMMARY_CSV,
            CloseFile::Exceptions => queries::EXCEPTIONS_CSV,
            CloseFile::Transactions => queries::TRANSACTIONS_CSV,
        }
    }
}

/// How `COPY` writes a CSV's cells as text: the rules of `export::cell_text`.
#[derive(Debug, Clone, Copy)]
pub struct CsvCells {
    /// `;` between fields and a decimal comma (a spreadsheet in such a locale); else `,` and a point.
    pub decimal_comma: bool,
    /// The amount columns written with two decimals (totals and differences); the rest keep five.
    pub two_decimals: fn(&str) -> bool,
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
        self.for_each_row(file.sql(), &[("closes", &closes_value(closes))], visit)
    }

    /// Writes `file`'s rows for `closes` to `path` as CSV with DuckDB's `COPY`
    /// (a million rows in a fraction of a second): every cell is made text in
    /// SQL by the rules `cells` gives, a column at a time. Returns the row count.
    pub fn copy_close_file_csv(
        &self,
        file: CloseFile,
        closes: &[CloseKey<'_>],
        cells: CsvCells,
        path: &Path,
    ) -> anyhow::Result<u64> {
        use duckdb::arrow::datatypes::DataType;
        let list = closes_value(closes);
        let params: [Param<'_>; 1] = [("closes", &list)];
        // The query goes inside another: without its closing `;`.
        let sql = file.sql().trim_end().trim_end_matches(';');
        let columns = self.result_columns(sql, &params)?;
        let texts: Vec<String> = columns
            .iter()
            .map(|(name, data_type)| {
                let column = format!("q.\"{}\"", name.replace('"', "\"\""));
                let cell = match data_type {
                    DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => format!(
                        "CASE WHEN left({column}, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) THEN '''' || {column} \
                         ELSE NULLIF({column}, '') END"
                    ),
                    DataType::Decimal128(..) | DataType::Decimal256(..) => {
                        let text = if (cells.two_decimals)(name) {
                            format!("CAST(CAST(round({column}, 2) AS DECIMAL(38,2)) AS VARCHAR)")
                        } else {
                            format!("CAST(CAST({column} AS DECIMAL(38,5)) AS VARCHAR)")
                        };
                        if cells.decimal_comma {
                            format!("replace({text}, '.', ',')")
                        } else {
                            text
                        }
                    }
                    // RFC 3339 in UTC, with as many fraction digits as the time has (0, 3 or 6).
                    DataType::Timestamp(..) => format!(
                        "CASE WHEN microsecond({column}) % 1000000 = 0 THEN strftime({column}, '%Y-%m-%dT%H:%M:%SZ') \
                         WHEN microsecond({column}) % 1000 = 0 THEN strftime({column}, '%Y-%m-%dT%H:%M:%S.%gZ') \
                         ELSE strftime({column}, '%Y-%m-%dT%H:%M:%S.%fZ') END"
                    ),
                    DataType::Date32 => format!("strftime({column}, '%Y-%m-%d')"),
                    _ => format!("CAST({column} AS VARCHAR)"),
                };
                format!("{cell} AS \"{}\"", name.replace('"', "\"\""))
            })
            .collect();
        let select = format!("SELECT {} FROM ({sql}\n) q", texts.join(", "));
        self.copy_csv(&select, &params, path, if cells.decimal_comma { ';' } else { ',' })
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
