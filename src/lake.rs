//! The Parquet lake (`[lake] dir`): every exported close published as
//! hive-partitioned Parquet, so head office reads all shops of all instances
//! with Spark, Trino, DuckDB or Polars.
//!
//! A close's rows of each table go to one file,
//! `{dir}/{table}/shop_id={shop}/business_date={date}/close-{close_id}.parquet`:
//! publishing a close again replaces its files and never adds a second copy.
//! DuckDB writes the files into `{dir}/_staging/` and each is renamed into
//! place, so a reader sees a close's old file or its new one, never half of
//! one. The `closes` file is written last and marks the close published: a
//! close without it (a failed publish, a close from before the lake) is
//! published by the shop's next close or by `seqr-recon lake export`.
//!
//! Beside the closes, `{dir}/items/shop_id={shop}/items.parquet` holds each
//! item the shop showed as an exception, once, in its latest state (the view
//! `items_current`), replaced at each publish: totals over items come from it.
//!
//! Several instances share one lake, each with its own shops. The first
//! instance to publish a shop writes `{dir}/_owners/{shop}`; another instance
//! claiming that shop is refused.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};

use crate::config::{Config, ConfigError, Shop};
use crate::domain::ShopId;
use crate::paths;
use crate::store::lake::Totals;
pub use crate::store::lake::{LakeTable, TABLES};
use crate::store::seqr_data::CloseRow;
use crate::store::Store;

/// A close ending before this local hour belongs to the day before: a shop
/// that closes at 02:00 is closing the previous day's trading.
const DAY_ROLLOVER_HOUR: i64 = 6;

/// The business date of a close: the local date of its slot in the shop's
/// time zone, the day before for a slot before 06:00.
pub fn business_date(slot: DateTime<Utc>, tz: chrono_tz::Tz) -> NaiveDate {
    (slot.with_timezone(&tz) - chrono::Duration::hours(DAY_ROLLOVER_HOUR)).date_naive()
}

/// The lake of one instance.
pub struct Lake {
    dir: PathBuf,
    /// This instance's database, which (with the host) names it in the shops' owner files.
    database: PathBuf,
    /// The configuration file, named when a shop of it belongs to another instance.
    config_file: String,
}

/// One close published.
#[derive(Debug)]
pub struct Published {
    /// The close.
    pub close_id: String,
    /// Its partition's business date.
    pub business_date: NaiveDate,
    /// Rows written, over all tables.
    pub rows: u64,
}

/// One table's figures for one shop and business date, in the lake and in the database.
#[derive(Debug, PartialEq, Eq)]
pub struct Compared {
    /// The lake table.
    pub table: &'static str,
    /// The shop.
    pub shop_id: String,
    /// The partition's business date (`YYYY-MM-DD`).
    pub business_date: String,
    /// What the Parquet files hold (zero rows when none).
    pub lake: Totals,
    /// What the database's exported closes hold.
    pub database: Totals,
}

impl Lake {
    /// The configured lake, or `None` when `[lake]` is absent.
    pub fn from_config(cfg: &Config) -> Option<Lake> {
        let settings = cfg.lake.as_ref()?;
        Some(Lake {
            dir: settings.dir.clone(),
            database: cfg.store.database.clone(),
            config_file: cfg.path.display().to_string(),
        })
    }

    /// `host:/canonical/path/of/the.duckdb`: the same for every run of this
    /// instance, however its config names the database (relative, with `..`).
    fn owner(&self) -> anyhow::Result<String> {
        let folder = self.database.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let folder = std::fs::canonicalize(folder)
            .with_context(|| format!("finding the database's folder {}", folder.display()))?;
        let name = self.database.file_name().context("the database path names a file")?;
        let host = hostname::get().map(|h| h.to_string_lossy().into_owned()).unwrap_or_else(|_| "unknown-host".into());
        Ok(format!("{host}:{}", folder.join(name).display()))
    }

    /// The lake's root folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Claims `shop_id` for this instance: its owner file is created if none
    /// exists; an owner file naming another instance is refused.
    pub fn claim(&self, shop_id: &ShopId) -> anyhow::Result<()> {
        let owner = self.owner()?;
        let owners = self.dir.join("_owners");
        std::fs::create_dir_all(&owners).with_context(|| format!("creating the lake folder {}", owners.display()))?;
        let path = owners.join(paths::component(shop_id)?);
        let text = format!(
            "{}\n# The seqr-recon instance (host:database) that publishes shop {shop_id} to this lake, since {}.\n\
             # Delete this file only when that instance no longer closes the shop.\n",
            owner,
            Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
        // Written whole under a private name, then linked to the owner name:
        // the link fails if the name exists, so two instances cannot both win.
        let tmp = owners.join(format!(".{shop_id}.{}.tmp", std::process::id()));
        paths::write_synced(&tmp, text.as_bytes())?;
        let linked = std::fs::hard_link(&tmp, &path);
        let _ = std::fs::remove_file(&tmp);
        match linked {
            Ok(()) => return paths::sync_dir(&owners),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e).with_context(|| format!("creating the lake's owner file {}", path.display())),
        }
        let existing = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let holder = existing.lines().next().unwrap_or_default().trim();
        if holder != owner {
            return Err(ConfigError {
                file: self.config_file.clone(),
                key: format!("[[shop]] id = \"{shop_id}\""),
                what: format!(
                    "the lake {} says another seqr-recon instance ({holder}) publishes this shop, and this one is \
                     {}: two instances closing one shop would close its SEQR periods twice. Remove the shop from \
                     one of the two configurations; if it moved here for good, delete {} once the old instance no \
                     longer closes it.",
                    self.dir.display(),
                    owner,
                    path.display()
                ),
            }
            .into());
        }
        Ok(())
    }

    /// Publishes `close` of `shop`: every table's rows, each file written
    /// under `_staging/` and renamed into place; the close's files from an
    /// earlier publish that this one did not write again are removed.
    pub fn publish(&self, store: &Store, shop: &Shop, close: &CloseRow) -> anyhow::Result<Published> {
        self.claim(&shop.id)?;
        let date = business_date(close.slot, shop.tz());
        let staging =
            self.dir.join("_staging").join(format!("{}.{}", paths::component(&close.close_id)?, std::process::id()));
        self.remove_staged(&close.close_id)?;
        std::fs::create_dir_all(&staging).with_context(|| format!("creating {}", staging.display()))?;
        let written = self
            .publish_from(store, close, date, &staging)
            .and_then(|rows| Ok(rows + self.publish_items(store, &close.shop_id, &staging)?));
        // Whether or not every table was placed, nothing is left in staging.
        let removed = std::fs::remove_dir_all(&staging).with_context(|| format!("removing {}", staging.display()));
        let rows = written?;
        removed?;
        tracing::info!(close = %close.close_id, business_date = %date, rows, lake = %self.dir.display(), "published to the lake");
        Ok(Published { close_id: close.close_id.clone(), business_date: date, rows })
    }

    /// Writes each table's rows of `close` under `staging` and renames them
    /// into place: the rows written.
    fn publish_from(&self, store: &Store, close: &CloseRow, date: NaiveDate, staging: &Path) -> anyhow::Result<u64> {
        // Until its `closes` file is back, the close counts as unpublished.
        self.remove_close_files("closes", close, &[])?;
        let mut rows = 0;
        for table in TABLES {
            let out = staging.join(table.name);
            let params: &[crate::store::Param<'_>] = &[("shop_id", &close.shop_id), ("close_seq", &close.close_seq)];
            rows += store
                .copy_parquet_partitioned(table, params, &date.to_string(), &out)
                .with_context(|| format!("writing the lake's {} of close {}", table.name, close.close_id))?;
            let placed = self.place(&out, table.name, close, date)?;
            self.remove_close_files(table.name, close, &placed)?;
        }
        Ok(rows)
    }

    /// Replaces the shop's `items` file: each item it showed as an exception,
    /// once, in its latest state (`{dir}/items/shop_id={shop}/items.parquet`).
    fn publish_items(&self, store: &Store, shop_id: &ShopId, staging: &Path) -> anyhow::Result<u64> {
        let out = staging.join("items.parquet");
        let rows = store
            .copy_lake_items(shop_id, &out)
            .with_context(|| format!("writing the lake's items of shop {shop_id}"))?;
        let dir = self.shop_dir("items", shop_id);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        std::fs::File::open(&out).and_then(|f| f.sync_all()).with_context(|| format!("syncing {}", out.display()))?;
        let target = dir.join("items.parquet");
        std::fs::rename(&out, &target)
            .with_context(|| format!("renaming {} to {}", out.display(), target.display()))?;
        paths::sync_dir(&dir)?;
        Ok(rows)
    }

    /// Removes what a publish of `close_id` that died (a crash, a kill) left
    /// under `_staging/`: folders `{close_id}.{pid}` of any process. Only one
    /// process publishes a close: the database admits one at a time, and the
    /// lake one instance per shop.
    fn remove_staged(&self, close_id: &str) -> anyhow::Result<()> {
        let dir = self.dir.join("_staging");
        let entries = match std::fs::read_dir(&dir) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            entries => entries.with_context(|| format!("reading {}", dir.display()))?,
        };
        for entry in entries {
            let path = entry.with_context(|| format!("reading {}", dir.display()))?.path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let pid = name.strip_prefix(close_id).and_then(|rest| rest.strip_prefix('.'));
            if pid.is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit())) {
                std::fs::remove_dir_all(&path).with_context(|| format!("removing {}", path.display()))?;
            }
        }
        Ok(())
    }

    /// Publishes the shop's exported closes of a slot before `before` that the
    /// lake lacks: what archiving them needs first.
    pub fn publish_before(&self, store: &Store, shop: &Shop, before: DateTime<Utc>) -> anyhow::Result<Vec<Published>> {
        let mut published = Vec::new();
        for close in store.complete_closes(&shop.id)?.into_iter().take_while(|c| c.slot < before) {
            if !self.is_published(shop, &close) {
                published.push(self.publish(store, shop, &close)?);
            }
        }
        Ok(published)
    }

    /// Publishes the shop's exported closes that the lake lacks (no `closes` file).
    pub fn publish_unpublished(&self, store: &Store, shop: &Shop) -> anyhow::Result<Vec<Published>> {
        self.publish_before(store, shop, DateTime::<Utc>::MAX_UTC)
    }

    /// Publishes again every exported close of `shop` of business date `since` or later.
    pub fn export(&self, store: &Store, shop: &Shop, since: Option<NaiveDate>) -> anyhow::Result<Vec<Published>> {
        let mut published = Vec::new();
        for close in store.complete_closes(&shop.id)? {
            if since.is_none_or(|since| business_date(close.slot, shop.tz()) >= since) {
                published.push(self.publish(store, shop, &close)?);
            }
        }
        Ok(published)
    }

    /// Per table, shop and business date, the lake's rows and totals beside
    /// those of the database's exported closes, for `shops`.
    pub fn check(&self, store: &Store, shops: &[&Shop]) -> anyhow::Result<Vec<Compared>> {
        let database = database_totals(store, shops)?;
        let ids: BTreeSet<&str> = shops.iter().map(|s| s.id.as_str()).collect();
        // The Parquet files are read by a database of their own: `store` may be
        // opened read-only, which keeps DuckDB off the file system.
        let reader = Store::open_in_memory()?;
        let mut lake: BTreeMap<TotalsKey, Totals> = BTreeMap::new();
        for (table_index, table) in TABLES.iter().enumerate() {
            let table_dir = self.dir.join(table.name);
            if has_parquet(&table_dir)? {
                for (shop_id, date, totals) in reader.parquet_totals(table.name, &table_dir)? {
                    if ids.contains(shop_id.as_str()) {
                        lake.insert((table_index, shop_id, date), totals);
                    }
                }
            }
        }
        // The lake alone keeps the closes archived out of the database.
        for shop in shops {
            for close in store.archived_closes(&shop.id)? {
                let date = business_date(close.slot, shop.tz()).to_string();
                for table_index in 0..TABLES.len() {
                    let key = (table_index, shop.id.to_string(), date.clone());
                    if !database.contains_key(&key) {
                        lake.remove(&key);
                    }
                }
            }
        }
        let keys: BTreeSet<&TotalsKey> = database.keys().chain(lake.keys()).collect();
        Ok(keys
            .into_iter()
            .map(|key| Compared {
                table: TABLES[key.0].name,
                shop_id: key.1.clone(),
                business_date: key.2.clone(),
                lake: lake.get(key).copied().unwrap_or_default(),
                database: database.get(key).copied().unwrap_or_default(),
            })
            .collect())
    }

    fn shop_dir(&self, table: &str, shop_id: &ShopId) -> PathBuf {
        self.dir.join(table).join(format!("shop_id={shop_id}"))
    }

    fn is_published(&self, shop: &Shop, close: &CloseRow) -> bool {
        let date = business_date(close.slot, shop.tz());
        self.shop_dir("closes", &close.shop_id)
            .join(format!("business_date={date}"))
            .join(close_file_name(&close.close_id, 0))
            .exists()
    }

    /// Moves the files DuckDB wrote under `out` for the close's partition to
    /// their names in the lake. Returns where they went.
    fn place(&self, out: &Path, table: &str, close: &CloseRow, date: NaiveDate) -> anyhow::Result<Vec<PathBuf>> {
        let partition = format!("business_date={date}");
        let written_dir = out.join(format!("shop_id={}", close.shop_id)).join(&partition);
        let mut written = files_in(&written_dir)?;
        written.sort();
        if written.is_empty() {
            return Ok(Vec::new());
        }
        let target_dir = self.shop_dir(table, &close.shop_id).join(&partition);
        std::fs::create_dir_all(&target_dir).with_context(|| format!("creating {}", target_dir.display()))?;
        let mut placed = Vec::new();
        for (i, file) in written.iter().enumerate() {
            let target = target_dir.join(close_file_name(&close.close_id, i));
            std::fs::File::open(file)
                .and_then(|f| f.sync_all())
                .with_context(|| format!("syncing {}", file.display()))?;
            std::fs::rename(file, &target)
                .with_context(|| format!("renaming {} to {}", file.display(), target.display()))?;
            placed.push(target);
        }
        paths::sync_dir(&target_dir)?;
        Ok(placed)
    }

    /// Removes the close's files of `table`, in any business date, but those in `keep`.
    fn remove_close_files(&self, table: &str, close: &CloseRow, keep: &[PathBuf]) -> anyhow::Result<()> {
        let shop_dir = self.shop_dir(table, &close.shop_id);
        if !shop_dir.exists() {
            return Ok(());
        }
        for entry in std::fs::read_dir(&shop_dir).with_context(|| format!("reading {}", shop_dir.display()))? {
            for file in files_in(&entry?.path())? {
                let name = file.file_name().unwrap_or_default().to_string_lossy();
                if is_close_file(&name, &close.close_id) && !keep.contains(&file) {
                    std::fs::remove_file(&file).with_context(|| format!("removing {}", file.display()))?;
                }
            }
        }
        Ok(())
    }
}

/// `close-{close_id}.parquet` for the close's first file of a partition, `close-{close_id}.{i}.parquet` after.
fn close_file_name(close_id: &str, i: usize) -> String {
    if i == 0 {
        format!("close-{close_id}.parquet")
    } else {
        format!("close-{close_id}.{i}.parquet")
    }
}

/// Whether `name` is one of `close_id`'s files (and not, say, close 10's for close 1).
fn is_close_file(name: &str, close_id: &str) -> bool {
    let Some(rest) = name.strip_prefix(&format!("close-{close_id}.")) else { return false };
    rest == "parquet"
        || rest.strip_suffix(".parquet").is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The files directly in `dir` (none when it does not exist).
fn files_in(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_file() {
            files.push(path);
        }
    }
    Ok(files)
}

/// A lake table (its index in [`TABLES`]), a shop and a business date.
type TotalsKey = (usize, String, String);

/// The rows and totals of each lake table of `shops`' exported closes, as the
/// database holds them, by table, shop and business date.
fn database_totals(store: &Store, shops: &[&Shop]) -> anyhow::Result<BTreeMap<TotalsKey, Totals>> {
    let mut totals_by_key: BTreeMap<TotalsKey, Totals> = BTreeMap::new();
    for shop in shops {
        for close in store.complete_closes(&shop.id)? {
            let params: &[crate::store::Param<'_>] = &[("shop_id", &close.shop_id), ("close_seq", &close.close_seq)];
            let date = business_date(close.slot, shop.tz()).to_string();
            for (table, totals) in store.lake_totals(params)? {
                let index = TABLES.iter().position(|t| t.name == table).context("a lake table not in TABLES")?;
                *totals_by_key.entry((index, shop.id.to_string(), date.clone())).or_default() += totals;
            }
        }
    }
    Ok(totals_by_key)
}

/// Whether `table_dir` holds a Parquet file two folders down (`shop_id=…/business_date=…/`).
fn has_parquet(table_dir: &Path) -> anyhow::Result<bool> {
    if !table_dir.is_dir() {
        return Ok(false);
    }
    for shop in std::fs::read_dir(table_dir).with_context(|| format!("reading {}", table_dir.display()))? {
        let shop = shop?.path();
        if !shop.is_dir() {
            continue;
        }
        for date in std::fs::read_dir(&shop).with_context(|| format!("reading {}", shop.display()))? {
            if files_in(&date?.path())?.iter().any(|f| f.extension().is_some_and(|e| e == "parquet")) {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_close_before_six_belongs_to_the_day_before() {
        let tz: chrono_tz::Tz = "Europe/Stockholm".parse().unwrap();
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        // 22:00 in Stockholm (UTC+1 in November) is the same day.
        assert_eq!(business_date(at("2026-11-24T21:00:00Z"), tz).to_string(), "2026-11-24");
        // 02:00 on the 25th closes the 24th; 06:00 is the 25th's.
        assert_eq!(business_date(at("2026-11-25T01:00:00Z"), tz).to_string(), "2026-11-24");
        assert_eq!(business_date(at("2026-11-25T05:00:00Z"), tz).to_string(), "2026-11-25");
        // 05:30 UTC is 06:30 in Stockholm: the local hour counts, not UTC's.
        assert_eq!(business_date(at("2026-11-25T05:30:00Z"), tz).to_string(), "2026-11-25");
    }

    #[test]
    fn an_instance_is_known_by_its_database_however_the_path_is_written() {
        let root = tempfile::tempdir().unwrap();
        for folder in ["db", "other"] {
            std::fs::create_dir_all(root.path().join(folder)).unwrap();
        }
        let lake =
            |database: PathBuf| Lake { dir: root.path().join("lake"), database, config_file: "seqr-recon.toml".into() };
        let shop = ShopId::from_static("shop-1");
        lake(root.path().join("db/recon.duckdb")).claim(&shop).unwrap();
        lake(root.path().join("other/../db/recon.duckdb")).claim(&shop).unwrap();
        let e = lake(root.path().join("other/recon.duckdb")).claim(&shop).unwrap_err();
        assert!(e.to_string().contains("another seqr-recon instance"), "{e}");
        assert_eq!(crate::exit::exit_code_of(&e), crate::exit::ExitCode::BadConfig);
        let owners: Vec<_> = std::fs::read_dir(root.path().join("lake/_owners")).unwrap().collect();
        assert_eq!(owners.len(), 1, "no temporary file is left");
    }

    #[test]
    fn close_files_are_told_apart_from_a_longer_close_id() {
        assert!(is_close_file("close-shop-1-1.parquet", "shop-1-1"));
        assert!(is_close_file("close-shop-1-1.2.parquet", "shop-1-1"));
        assert!(!is_close_file("close-shop-1-10.parquet", "shop-1-1"));
        assert!(!is_close_file("close-shop-1-1.x.parquet", "shop-1-1"));
        assert!(!is_close_file("close-shop-1-1.parquet.tmp", "shop-1-1"));
        assert_eq!(close_file_name("shop-1-1", 0), "close-shop-1-1.parquet");
    }
}
