//! Moving old closes out of the database (`queries/archive/`).

use chrono::{DateTime, Utc};
use duckdb::types::Value;

use super::{execute_named, queries, Store};
use crate::domain::ShopId;

/// A close the archive moved out: its shop and label period (the name of its reports folder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchivedClose {
    /// The shop.
    pub shop_id: ShopId,
    /// The close's label period.
    pub label_period_id: Option<String>,
}

impl Store {
    /// Moves the complete closes of `shops` whose slot is before `before` out
    /// of the database, in one transaction: their classifications, raw
    /// reports and step records, and the posts and SEQR rows they matched,
    /// which `settled_items` then stands in for. Each shop's latest close, and
    /// every row under a reference with an item still open, stays. The closes
    /// themselves and their periods stay, marked `archived_at`.
    pub fn archive(&self, shops: &[&ShopId], before: DateTime<Utc>) -> anyhow::Result<Vec<ArchivedClose>> {
        let tx = self.transaction()?;
        let shops = Value::List(shops.iter().map(|s| Value::Text(s.to_string())).collect());
        let now = Utc::now();
        let params: &[super::Param<'_>] = &[("shops", &shops), ("before", &before), ("now", &now)];
        let run = |(name, sql): &(&str, &str)| {
            execute_named(&self.conn, sql, params).map_err(|e| e.context(format!("running queries/{name}")))
        };
        // The first statement chooses the closes; most nights none is old enough.
        run(&queries::ARCHIVE[0])?;
        let archived = self.query_all(queries::ARCHIVED, &[], |r| {
            Ok(ArchivedClose { shop_id: r.get(0)?, label_period_id: r.get(1)? })
        })?;
        if !archived.is_empty() {
            queries::ARCHIVE[1..].iter().try_for_each(|q| run(q).map(drop))?;
        }
        tx.commit()?;
        Ok(archived)
    }
}
