//! The database's side of the Parquet lake (`crate::lake`): writing one close's
//! rows of a lake table as hive-partitioned Parquet, and counting rows and
//! totals, of the database's selection or of the Parquet files, for `lake check`.

use std::path::Path;

use anyhow::Context;
use rust_decimal::Decimal;

use super::{execute_named, queries, Param, Store};
use crate::domain::ShopId;

/// One table of the lake: its name (a folder of the lake) and the statement
/// that writes one close's rows of it (`queries/lake/write_{name}.sql`).
pub struct LakeTable {
    /// The folder under the lake's root.
    pub name: &'static str,
    /// Writes one close's rows.
    write: &'static str,
}

/// Every table, in the order a close is published: `closes` last, as its
/// file says the close's other files are in place.
pub const TABLES: &[LakeTable] = &[
    LakeTable { name: "transactions", write: queries::LAKE_WRITE_TRANSACTIONS },
    LakeTable { name: "exceptions", write: queries::LAKE_WRITE_EXCEPTIONS },
    LakeTable { name: "seqr_rows", write: queries::LAKE_WRITE_SEQR_ROWS },
    LakeTable { name: "pos_posts", write: queries::LAKE_WRITE_POS_POSTS },
    LakeTable { name: "periods", write: queries::LAKE_WRITE_PERIODS },
    LakeTable { name: "closes", write: queries::LAKE_WRITE_CLOSES },
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
        self.with_macros()?;
        let path = path_text(dir)?;
        let mut params = params.to_vec();
        params.extend([("business_date", &business_date as &dyn duckdb::ToSql), ("path", &path)]);
        Ok(execute_named(&self.conn, table.write, &params)? as u64)
    }

    /// Writes the shop's items in their latest state (`queries/lake/write_items.sql`)
    /// to the Parquet file `file`: the row count.
    pub fn copy_lake_items(&self, shop_id: &ShopId, file: &Path) -> anyhow::Result<u64> {
        let params: [Param<'_>; 2] = [("shop_id", &shop_id), ("path", &path_text(file)?)];
        Ok(execute_named(&self.conn, queries::LAKE_WRITE_ITEMS, &params)? as u64)
    }

    /// Per lake table, the row count and amount totals of one close's rows
    /// (`$shop_id`, `$close_seq`).
    pub fn lake_totals(&self, params: &[Param<'_>]) -> anyhow::Result<Vec<(String, Totals)>> {
        self.with_macros()?;
        self.query_all(queries::LAKE_DATABASE_TOTALS, params, |r| Ok((r.get(0)?, totals_from_row(r, 1)?)))
    }

    /// Per shop and business date, the row count and amount totals of the
    /// lake table `table`'s hive-partitioned Parquet files under `table_dir`
    /// (`{table_dir}/shop_id=…/business_date=…/*.parquet`).
    pub fn parquet_totals(&self, table: &str, table_dir: &Path) -> anyhow::Result<Vec<(String, String, Totals)>> {
        let files = table_dir.join("*").join("*").join("*.parquet");
        let params: [Param<'_>; 2] = [("files", &path_text(&files)?), ("table_name", &table)];
        self.query_all(queries::LAKE_PARQUET_TOTALS, &params, |r| Ok((r.get(0)?, r.get(1)?, totals_from_row(r, 2)?)))
    }
}
