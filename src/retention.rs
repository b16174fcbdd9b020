//! Retention: closes older than `[store] retain_days` leave the database (into
//! the Parquet lake first, when one is configured), keeping only what later
//! closes need; their reports folders, the outbox's `sent/` and the inbox's
//! `archive/` files older than that go too. Run after every batch of closes,
//! and by `seqr-recon archive`.

use std::path::Path;

use chrono::{DateTime, Duration, Utc};

use crate::config::Config;
use crate::domain::ShopId;
use crate::store::Store;

/// What one archive did.
#[derive(Debug, Default)]
pub struct Archived {
    /// Closes moved out of the database.
    pub closes: usize,
    /// Reports folders, sent emails and archived POS files removed.
    pub files: usize,
    /// Shops left whole this time, with why (their closes could not be published to the lake).
    pub skipped: Vec<(ShopId, String)>,
}

/// Archives what `cfg` keeps no longer, as of `now`. Nothing with `retain_days = 0`.
pub fn archive(store: &Store, cfg: &Config, now: DateTime<Utc>) -> anyhow::Result<Archived> {
    let mut done = Archived::default();
    if cfg.store.retain_days == 0 {
        return Ok(done);
    }
    let before = now - Duration::days(i64::from(cfg.store.retain_days));
    let lake = crate::lake::Lake::from_config(cfg);
    let mut shops = Vec::new();
    for shop in &cfg.shops {
        // A close leaves the database only once the lake holds it.
        if let Some(lake) = &lake {
            if let Err(e) = lake.publish_before(store, shop, before) {
                done.skipped.push((shop.id.clone(), format!("{e:#}")));
                continue;
            }
        }
        shops.push(&shop.id);
    }
    let archived = store.archive(&shops, before)?;
    done.closes = archived.len();
    for close in &archived {
        let Some(label) = &close.label_period_id else { continue };
        // Names from the database become a path only through paths::under.
        let folder = crate::paths::under(&cfg.reports.dir, &[&close.shop_id, label])?;
        if folder.is_dir() {
            std::fs::remove_dir_all(&folder)?;
            done.files += 1;
        }
    }
    done.files += remove_older(&cfg.email.outbox.join("sent"), before)?;
    done.files += remove_older(&cfg.pos.inbox.join("archive"), before)?;
    Ok(done)
}

/// Removes the regular files in `dir` last changed before `before`; a missing folder has none.
fn remove_older(dir: &Path, before: DateTime<Utc>) -> anyhow::Result<usize> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(0) };
    let mut removed = 0;
    for entry in entries {
        let entry = entry?;
        let meta = entry.metadata()?;
        if meta.is_file() && DateTime::<Utc>::from(meta.modified()?) < before {
            std::fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}
