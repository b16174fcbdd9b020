//! Exceptions an accountant resolved by hand.

use super::{queries, Store};
use crate::domain::{Category, Resolution};

/// An open exception: its category and the keys of its items.
#[derive(Debug, Clone)]
pub struct OpenException {
    /// Its category.
    pub category: Category,
    /// The local post's key.
    pub local_key: Option<String>,
    /// SEQR's row's key.
    pub seqr_key: Option<String>,
    /// The invoice's key.
    pub invoice_key: Option<String>,
}

impl Store {
    /// The open exceptions of an ersReference or invoice reference.
    pub fn open_exceptions_of(&self, shop_id: &str, reference: &str) -> anyhow::Result<Vec<OpenException>> {
        self.query_all(queries::OPEN_EXCEPTIONS_OF, &[("shop_id", &shop_id), ("reference", &reference)], |r| {
            Ok(OpenException { category: r.get(0)?, local_key: r.get(1)?, seqr_key: r.get(2)?, invoice_key: r.get(3)? })
        })
    }

    /// Records resolutions of items (`(category, item key)`), all or none.
    pub fn record_resolutions(
        &self,
        items: &[(Category, String)],
        by: &str,
        how: Resolution,
        why: &str,
    ) -> anyhow::Result<()> {
        let tx = self.transaction()?;
        for (category, key) in items {
            tx.execute(
                queries::INSERT_RESOLUTION,
                &[("item_key", key), ("category", category), ("resolved_by", &by), ("how", &how), ("why", &why)],
            )?;
        }
        tx.commit()
    }
}
