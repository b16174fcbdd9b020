//! The database's side of the Parquet lake (`crate::lake`): writing one close's
//! rows of a lake table as hive-partitioned Parquet, and counting rows and
//! totals, of the database's selection or of the Parquet files, for `lake check`.

use std::path::Path;

use anyhow::Context;
use rust_decimal::Decimal;

use super::{execute_named, queries, Param, Store};

/// One table of the lake: its name (a folder of the lake) and the query that
/// selects one close's rows of it (`$shop_id`, `$close_seq`; `queries/lake/`).
pub struct LakeTable {
    /// The folder under the lake's root.
    pub name: &'static str,
    /// One close's rows.
    select: &'static str,
    /// What `lake check` sums.
    pub amounts: AmountColumns,
}

/// Every table, in the order a close is published: `closes` last, as its
/// file says the close's other files are in place.
pub const TABLES: &[LakeTable] = &[
    LakeTable {
        name: "transactions",
        select: queries::LAKE_TRANSACTIONS,
        amounts: AmountColumns { local: Some("local_amount"), seqr: Some("seqr_amount") },
    },
    LakeTable {
        name: "exceptions",
        select: queries::LAKE_EXCEPTIONS,
        amounts: AmountColumns { local: Some("local_amount"), seqr: Some("seqr_amount") },
    },
    LakeTable {
        name: "seqr_rows",
        select: queries::LAKE_SEQR_ROWS,
        amounts: AmountColumns { local: None, seqr: Some("amount") },
    },
    LakeTable {
        name: "pos_posts",
        select: queries::LAKE_POS_POSTS,
        amounts: AmountColumns { local: Some("amount"), seqr: None },
    },
    LakeTable { name: "periods", select: queries::LAKE_PERIODS, amounts: AmountColumns { local: None, seqr: None } },
    LakeTable { name: "closes", select: queries::LAKE_CLOSES, amounts: AmountColumns { local: None, seqr: None } },
];

/// Rows and amount totals of a lake table for one shop and business date.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// How many rows.
    pub rows: i64,
    /// The sum of the local amount column, for a table that has one.
    pub local_total: Option<Decimal>,
    /// The sum of SEQR's amount column, for a table that has one.
    pub seqr_total: Option<Decimal>,
}

impl std::ops::AddAssign for Totals {
    fn add_assign(&mut self, other: Totals) {
        let add = |a: Option<Decimal>, b: Option<Decimal>| match (a, b) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or_default() + b.unwrap_or_default()),
        };
        self.rows += other.rows;
        self.local_total = add(self.local_total, other.local_total);
        self.seqr_total = add(self.seqr_total, other.seqr_total);
    }
}

/// The amount columns a table's totals sum (`None`: the table has none).
#[derive(Debug, Clone, Copy)]
pub struct AmountColumns {
    /// The local side's amount column.
    pub local: Option<&'static str>,
    /// SEQR's amount column.
    pub seqr: Option<&'static str>,
}

impl AmountColumns {
    /// `count(*)` and the two sums, as a select list.
    fn select_list(self) -> String {
        let sum = |column: Option<&str>| match column {
            Some(c) => format!("CAST(sum({c}) AS DECIMAL(18,5))"),
            None => "CAST(NULL AS DECIMAL(18,5))".into(),
        };
        format!("count(*), {}, {}", sum(self.local), sum(self.seqr))
    }
}

fn totals_from_row(r: &duckdb::Row<'_>, first: usize) -> duckdb::Result<Totals> {
    Ok(Totals { rows: r.get(first)?, local_total: r.get(first + 1)?, seqr_total: r.get(first + 2)? })
}

/// `path` as the text a statement binds; a path holding a control character is refused.
fn path_text(path: &Path) -> anyhow::Result<&str> {
    let text = path.to_str().with_context(|| format!("{} is not UTF-8", path.display()))?;
    anyhow::ensure!(!text.contains(['\0', '\n', '\r']), "{text:?}: a lake path may not hold a control character");
    Ok(text)
}

impl Store {
    /// Writes one close's rows of `table` (`$shop_id`, `$close_seq`) into
    /// the empty folder `dir` as Parquet, partitioned hive-style by `shop_id`
    /// and `business_date` (which every row gets). Returns the row count; no
    /// row writes no file.
    pub fn copy_parquet_partitioned(
        &self,
        table: &LakeTable,
        params: &[Param<'_>],
        business_date: &str,
        dir: &Path,
    ) -> anyhow::Result<u64> {
        let select = table.select;
        let path = path_text(dir)?;
        let mut params = params.to_vec();
        params.extend([("business_date", &business_date as &dyn duckdb::ToSql), ("path", &path)]);
        let sql = format!(
            "COPY (SELECT *, CAST($business_date AS DATE) AS business_date FROM ({select}\n)) TO $path \
             (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (shop_id, business_date))"
        );
        Ok(execute_named(&self.conn, &sql, &params)? as u64)
    }

    /// Writes the shop's items in their latest state (`queries/lake/items.sql`)
    /// to the Parquet file `file`: the row count.
    pub fn copy_lake_items(&self, shop_id: &str, file: &Path) -> anyhow::Result<u64> {
        let select = queries::LAKE_ITEMS;
        let sql = format!("COPY ({select}\n) TO $path (FORMAT parquet, COMPRESSION zstd)");
        Ok(execute_named(&self.conn, &sql, &[("shop_id", &shop_id), ("path", &path_text(file)?)])? as u64)
    }

    /// The row count and amount totals of one close's rows of `table`.
    pub fn selection_totals(&self, table: &LakeTable, params: &[Param<'_>]) -> anyhow::Result<Totals> {
        let sql = format!("SELECT {} FROM ({}\n)", table.amounts.select_list(), table.select);
        self.query_one(&sql, params, |r| totals_from_row(r, 0))
    }

    /// Per shop and business date, the row count and amount totals of the
    /// hive-partitioned Parquet files under `table_dir` (`{table_dir}/shop_id=…/business_date=…/*.parquet`).
    pub fn parquet_totals(
        &self,
        table_dir: &Path,
        amounts: AmountColumns,
    ) -> anyhow::Result<Vec<(String, String, Totals)>> {
        let files = table_dir.join("*").join("*").join("*.parquet");
        let sql = format!(
            "SELECT shop_id, CAST(business_date AS VARCHAR), {} FROM read_parquet($files, hive_partitioning = true, \
             hive_types = {{'shop_id': VARCHAR, 'business_date': DATE}}, union_by_name = true) \
             GROUP BY ALL ORDER BY ALL",
            amounts.select_list()
        );
        self.query_all(&sql, &[("files", &path_text(&files)?)], |r| Ok((r.get(0)?, r.get(1)?, totals_from_row(r, 2)?)))
    }
}
