//! The DuckDB store: open and migrate, bind named parameters, and the typed
//! reads and writes the rest of the program uses. All SQL comes from `queries/`.

pub mod archive;
mod closes;
mod emails;
pub mod exceptions;
pub mod files;
pub mod ingest;
pub mod lake;
pub mod queries;
pub mod reconcile;
pub mod refunds;
pub mod seqr_data;
mod terminals;

pub use closes::StepRecord;
pub use emails::{EmailRow, MailWaiting, PendingEmail};
pub use reconcile::{closes_value, CheckFailure, ClassifyParams, SummaryLine};

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use anyhow::Context;
use duckdb::types::{ToSql, Value};
use duckdb::{Connection, Statement};

use crate::config::Config;
use crate::domain::ShopId;

/// What opening the store can fail on that is the operator's to fix in the config.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `[store] memory_limit` is not a size DuckDB takes.
    #[error("[store] memory_limit: {value:?} is not a size like 1GB or 512MB")]
    MemoryLimit {
        /// The setting as configured.
        value: String,
        /// DuckDB's refusal.
        source: duckdb::Error,
    },
}

/// An open database: the only door to it. Every statement the program runs
/// is a method here, its SQL in `queries/`.
pub struct Store {
    /// Keeps the statements it ran prepared (see [`CACHED_STATEMENTS`]).
    conn: Connection,
    /// The database file (none for an in-memory one).
    pub path: Option<PathBuf>,
    /// Whether this connection has the queries' macros yet (see [`Store::with_macros`]).
    macros_defined: std::cell::Cell<bool>,
}

/// A transaction on a [`Store`]: the store's methods called through it run
/// inside it. Rolled back when dropped without [`Transaction::commit`].
pub struct Transaction<'a> {
    store: &'a Store,
    open: bool,
}

impl Transaction<'_> {
    /// Commits the transaction.
    pub fn commit(mut self) -> anyhow::Result<()> {
        // A failed COMMIT leaves the transaction open: dropping `self` rolls it back.
        self.store.conn.execute_batch(queries::COMMIT)?;
        self.open = false;
        Ok(())
    }
}

impl std::ops::Deref for Transaction<'_> {
    type Target = Store;
    fn deref(&self) -> &Store {
        self.store
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if self.open {
            if let Err(e) = self.store.conn.execute_batch(queries::ROLLBACK) {
                tracing::warn!(error = %e, "rolling back a transaction failed");
            }
            // Macros first defined inside it are rolled back with it.
            self.store.macros_defined.set(false);
        }
    }
}

impl Store {
    /// Opens (creating if needed) the database file and applies pending migrations.
    pub fn open(path: &Path) -> anyhow::Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating the database folder {}", dir.display()))?;
        }
        let conn = Connection::open(path).with_context(|| {
            format!(
                "opening the database {} (is another program, e.g. the DuckDB CLI, holding it open?)",
                path.display()
            )
        })?;
        let store = Store::on(conn, Some(path.to_path_buf()));
        store.migrate()?;
        Ok(store)
    }

    /// Opens the configured database with its memory limit. While another
    /// process holds it, waits up to `lock_wait_seconds`, then fails naming
    /// that process (DuckDB's message carries its pid).
    pub fn open_configured(settings: &crate::config::StoreSettings) -> anyhow::Result<Store> {
        let deadline =
            std::time::Instant::now() + std::time::Duration::from_secs_f64(settings.lock_wait_seconds.max(0.0));
        let store = loop {
            match Store::open(&settings.database) {
                Ok(store) => break store,
                Err(e) if is_busy(&e) && std::time::Instant::now() < deadline => {
                    tracing::info!(database = %settings.database.display(), "the database is in use by another process; waiting");
                    std::thread::sleep(std::time::Duration::from_millis(250));
                }
                Err(e) if is_busy(&e) => {
                    return Err(e.context(format!(
                        "the database {} stayed locked by another process for {} s ([store] lock_wait_seconds); \
                         wait for that process to finish, or stop it",
                        settings.database.display(),
                        settings.lock_wait_seconds
                    )))
                }
                Err(e) => return Err(e),
            }
        };
        store.set_memory_limit(&settings.memory_limit)?;
        // DuckDB checkpoints whenever its write-ahead log passes 16 MB: many
        // times in a busy night, each while closes are running and adding its
        // memory to theirs. Every commit is still in the log, synced; the
        // checkpoint comes when the database closes, at the end of each run or
        // scheduled batch (docs/performance.md).
        store.execute(queries::SET_CHECKPOINT_THRESHOLD, &[("threshold", &CHECKPOINT_THRESHOLD)])?;
        Ok(store)
    }

    /// Opens the configured database for reading only (`query`, `status`,
    /// `reconcile --dry-run`): it must exist, it is never created or migrated,
    /// and nothing run on it can write the database or touch any other file.
    pub fn open_read_only(settings: &crate::config::StoreSettings) -> anyhow::Result<Store> {
        let path = &settings.database;
        if !path.is_file() {
            anyhow::bail!(
                "[store] database: {} does not exist; check the path in the config (relative paths are taken \
                 from the config file's folder), or run `seqr-recon run` or `seqr-recon ingest` to create it",
                path.display()
            );
        }
        // A close writing the database holds it: wait for it, as a close waits for a reader.
        let deadline =
            std::time::Instant::now() + std::time::Duration::from_secs_f64(settings.lock_wait_seconds.max(0.0));
        let mut told = false;
        let conn = loop {
            let config = duckdb::Config::default().access_mode(duckdb::AccessMode::ReadOnly)?;
            let opened = Connection::open_with_flags(path, config)
                .with_context(|| format!("opening the database {} read-only", path.display()));
            match opened {
                Ok(conn) => break conn,
                Err(e) if is_busy(&e) && std::time::Instant::now() < deadline => {
                    if !std::mem::replace(&mut told, true) {
                        eprintln!(
                            "a close (or another process writing it) holds the database {}; waiting up to {} s \
                             ([store] lock_wait_seconds)",
                            path.display(),
                            settings.lock_wait_seconds
                        );
                    }
                    std::thread::sleep(std::time::Duration::from_millis(250));
                }
                Err(e) if is_busy(&e) => {
                    return Err(e.context(format!(
                        "the database {} stayed held by another process (a close?) for {} s ([store] \
                         lock_wait_seconds); try again when it is done",
                        path.display(),
                        settings.lock_wait_seconds
                    )))
                }
                Err(e) => return Err(e),
            }
        };
        let store = Store::on(conn, Some(path.clone()));
        let version =
            store.schema_version().with_context(|| format!("{} is not a seqr-recon database", path.display()))?;
        let needed = queries::MIGRATIONS.len() as i64;
        if version < needed {
            anyhow::bail!(
                "the database {} is at schema version {version} and this program reads version {needed}; run \
                 `seqr-recon run` (or `ingest`) once to migrate it",
                path.display()
            );
        }
        store.refuse_if_newer(version)?;
        store.set_memory_limit(&settings.memory_limit)?;
        store.conn.execute_batch(queries::LOCK_DOWN_READER)?;
        Ok(store)
    }

    /// A private in-memory copy of the configured database, for work that
    /// writes scratch rows but must leave the file untouched (`reconcile
    /// --dry-run`). The file is opened read-only and must exist.
    pub fn open_scratch_copy(settings: &crate::config::StoreSettings) -> anyhow::Result<Store> {
        drop(Store::open_read_only(settings)?);
        let store = Store::on(Connection::open_in_memory()?, None);
        let source = settings.database.to_str().context("the database's path is not UTF-8")?;
        let copy = || -> anyhow::Result<()> {
            store.execute(queries::ATTACH_SOURCE, &[("path", &source)])?;
            store.execute(queries::COPY_SOURCE, &[])?;
            store.execute(queries::DETACH_SOURCE, &[])?;
            Ok(())
        };
        copy().with_context(|| format!("copying {} into memory", settings.database.display()))?;
        Ok(store)
    }

    /// An empty database in memory, migrated (tests, scratch work).
    pub fn open_in_memory() -> anyhow::Result<Store> {
        let store = Store::on(Connection::open_in_memory()?, None);
        store.migrate()?;
        Ok(store)
    }

    /// Begins a transaction; the store's methods run inside it until it is
    /// committed or dropped.
    pub fn transaction(&self) -> anyhow::Result<Transaction<'_>> {
        self.conn.execute_batch(queries::BEGIN)?;
        Ok(Transaction { store: self, open: true })
    }

    /// Runs `sql` (an analyst's query, or one of `queries/`) with named
    /// parameters and hands each row to `visit` with the column names.
    /// Returns the column names.
    pub(crate) fn for_each_row(
        &self,
        sql: &str,
        params: &[Param<'_>],
        mut visit: impl FnMut(&[String], &[duckdb::types::Value]) -> anyhow::Result<()>,
    ) -> anyhow::Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let (columns, mut rows) = query_named(&mut stmt, params)?;
        let mut values = Vec::with_capacity(columns.len());
        let mut count = 0;
        while let Some(row) = rows.next()? {
            values.clear();
            for i in 0..columns.len() {
                values.push(row.get(i)?);
            }
            visit(&columns, &values)?;
            count += 1;
        }
        keep_unless_big(stmt, count);
        Ok(columns)
    }

    /// Runs `copy`, a `COPY (…) TO $path (FORMAT csv, …, DELIMITER $delimiter, …)`
    /// of `queries/files/`, whose rows are already text: `;` between fields
    /// when `semicolons`, else `,`. Rows in the query's order. Returns the row count.
    fn copy_csv(&self, copy: &str, params: &[Param<'_>], path: &Path, semicolons: bool) -> anyhow::Result<u64> {
        let path = path.to_str().with_context(|| format!("{} is not UTF-8", path.display()))?;
        anyhow::ensure!(!path.contains(['\0', '\n', '\r']), "{path:?}: a report path may not hold a control character");
        let delimiter = if semicolons { ";" } else { "," };
        let mut params = params.to_vec();
        params.extend([("path", &path as &dyn ToSql), ("delimiter", &delimiter)]);
        // The rows keep the query's ORDER BY only while insertion order is
        // preserved, a setting of the whole database: two exports at once
        // (two heavy turns) must not switch it off under each other's COPY.
        static ORDERED_COPY: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _ordered = ORDERED_COPY.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        self.execute(queries::PRESERVE_ORDER, &[("preserve", &true)])?;
        let copied = execute_named(&self.conn, copy, &params);
        self.execute(queries::PRESERVE_ORDER, &[("preserve", &false)])?;
        Ok(copied? as u64)
    }

    /// Tests: what a statement of their own that only reads (`SELECT`,
    /// `WITH`, `FROM`) returns, each row made a value by `map`. The program
    /// never uses it: it goes through the methods above.
    #[doc(hidden)]
    pub fn read_for_test<T>(
        &self,
        sql: &str,
        params: impl duckdb::Params,
        map: impl FnMut(&duckdb::Row<'_>) -> duckdb::Result<T>,
    ) -> anyhow::Result<Vec<T>> {
        let code = sql.lines().map(str::trim).filter(|l| !l.starts_with("--")).collect::<Vec<_>>().join(" ");
        let first = code.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
        anyhow::ensure!(["SELECT", "WITH", "FROM"].contains(&first.as_str()), "not a read: {sql}");
        let mut stmt = self.conn.prepare(sql)?;
        let rows = stmt.query_map(params, map)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Tests: changes tables on purpose (a lost row, a tampered total, an old
    /// slot) to see what the program makes of it.
    #[doc(hidden)]
    pub fn tamper_for_test(&self, sql: &str) -> anyhow::Result<()> {
        Ok(self.conn.execute_batch(sql)?)
    }

    /// A second connection to the same database, for another thread.
    pub fn try_clone(&self) -> anyhow::Result<Store> {
        Ok(Store::on(self.conn.try_clone()?, self.path.clone()))
    }

    fn on(conn: Connection, path: Option<PathBuf>) -> Store {
        conn.set_prepared_statement_cache_capacity(CACHED_STATEMENTS);
        Store { conn, path, macros_defined: std::cell::Cell::new(false) }
    }

    /// Defines on this connection, the first time a statement needs them, the
    /// temporary macros of [`queries::MACROS`]: a page or a query that needs
    /// none does not pay for them.
    fn with_macros(&self) -> anyhow::Result<()> {
        if !self.macros_defined.get() {
            for macros in queries::MACROS {
                self.conn.execute_batch(macros).context("defining the queries' macros")?;
            }
            self.macros_defined.set(true);
        }
        Ok(())
    }

    fn migrate(&self) -> anyhow::Result<()> {
        self.conn.execute_batch(queries::SESSION)?;
        self.execute(queries::MIGRATIONS_TABLE, &[])?;
        let current = self.schema_version()?;
        self.refuse_if_newer(current)?;
        for (version, name, sql) in queries::MIGRATIONS.iter().filter(|(v, _, _)| *v > current) {
            let tx = self.transaction()?;
            tx.conn.execute_batch(sql).with_context(|| format!("applying migration {version:03}_{name}"))?;
            tx.execute(queries::RECORD_MIGRATION, &[("version", version), ("name", name)])?;
            tx.commit()?;
        }
        Ok(())
    }

    /// The database's schema version: the number of its latest migration.
    fn schema_version(&self) -> anyhow::Result<i64> {
        self.query_one(queries::SCHEMA_VERSION, &[], |r| r.get(0))
    }

    /// Refuses a database a later seqr-recon migrated: this program would
    /// misread tables it does not know.
    fn refuse_if_newer(&self, version: i64) -> anyhow::Result<()> {
        let known = queries::MIGRATIONS.len() as i64;
        if version > known {
            anyhow::bail!(
                "the database {} is at schema version {version}, written by a later seqr-recon than this one \
                 (which knows versions up to {known}); install that version or a later one (see docs/operator.md, \
                 \"Upgrading\"), or restore the backup taken before the upgrade",
                self.path.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "in memory".into())
            );
        }
        Ok(())
    }

    /// `[store] memory_limit`, or an error naming the key when DuckDB does not take the size.
    fn set_memory_limit(&self, limit: &str) -> anyhow::Result<()> {
        let mut stmt = self.conn.prepare_cached(queries::SET_MEMORY_LIMIT)?;
        bind_named(&mut stmt, &[("memory_limit", &limit)])?;
        stmt.raw_execute().map_err(|source| StoreError::MemoryLimit { value: limit.to_string(), source })?;
        Ok(())
    }

    /// Records the configured shops and terminals, so analysts can join on
    /// names, and the offsets of their time zones. A few statements, whatever
    /// the number of shops: each is planned anew every time it runs.
    pub fn sync_config(&self, cfg: &Config) -> anyhow::Result<()> {
        let text = |s: &str| Value::Text(s.to_string());
        let shops = struct_list(cfg.shops.iter().map(|s| {
            [
                ("shop_id", text(&s.id)),
                ("name", text(&s.name)),
                ("currency", text(&s.currency)),
                ("timezone", text(&s.timezone)),
                ("level", text(s.level.as_str())),
                ("reseller_id", text(&s.reseller_id)),
            ]
        }));
        // A terminal id the config gives twice belongs to the last shop naming it.
        let terminals: BTreeMap<&str, (&str, &str)> = cfg
            .shops
            .iter()
            .flat_map(|s| s.terminals.iter().map(|t| (t.id.as_str(), (s.id.as_str(), t.name.as_str()))))
            .collect();
        let any_terminal = !terminals.is_empty();
        let terminals = struct_list(
            terminals
                .into_iter()
                .map(|(id, (shop, name))| [("terminal_id", text(id)), ("shop_id", text(shop)), ("name", text(name))]),
        );
        let zones: BTreeMap<&str, chrono_tz::Tz> = cfg.shops.iter().map(|s| (s.timezone.as_str(), s.tz())).collect();
        let zone_list = Value::List(zones.keys().map(|z| text(z)).collect());
        let tx = self.transaction()?;
        // An empty list has no element type to cast: nothing to record is no statement.
        if !cfg.shops.is_empty() {
            tx.execute(queries::SYNC_SHOPS, &[("shops", &shops)])?;
        }
        if any_terminal {
            tx.execute(queries::SYNC_TERMINALS, &[("terminals", &terminals)])?;
        }
        let known: Vec<String> = tx.query_all(queries::ZONES_KNOWN, &[("timezones", &zone_list)], |r| r.get(0))?;
        let spans: Vec<Value> = zones
            .iter()
            .filter(|(zone, _)| !known.iter().any(|k| k == *zone))
            .flat_map(|(zone, tz)| zone_spans(*tz).into_iter().map(move |span| (*zone, span)))
            .map(|(zone, (from, until, offset))| {
                struct_value([
                    ("timezone", text(zone)),
                    ("utc_from", timestamp_value(from)),
                    ("utc_until", timestamp_value(until)),
                    ("offset_seconds", Value::Int(offset)),
                ])
            })
            .collect();
        if !spans.is_empty() {
            tx.execute(queries::INSERT_ZONE_OFFSETS, &[("spans", &Value::List(spans))])?;
        }
        tx.commit()
    }
}

/// Rows of many closes, each led by its shop, grouped by shop in their order.
fn by_shop<T>(rows: Vec<(ShopId, T)>) -> HashMap<ShopId, Vec<T>> {
    let mut grouped: HashMap<ShopId, Vec<T>> = HashMap::new();
    for (shop_id, row) in rows {
        grouped.entry(shop_id).or_default().push(row);
    }
    grouped
}

/// Rows as a list of structs, which a statement unnests: many rows in one statement.
fn struct_list<const N: usize>(rows: impl Iterator<Item = [(&'static str, Value); N]>) -> Value {
    Value::List(rows.map(struct_value).collect())
}

/// One row of a [`struct_list`].
fn struct_value<const N: usize>(fields: [(&'static str, Value); N]) -> Value {
    Value::Struct(fields.into_iter().map(|(name, value)| (name.to_string(), value)).collect::<Vec<_>>().into())
}

/// A UTC time as a DuckDB `TIMESTAMP` value.
fn timestamp_value(t: chrono::NaiveDateTime) -> Value {
    Value::Timestamp(duckdb::types::TimeUnit::Microsecond, t.and_utc().timestamp_micros())
}

/// The spans of `tz`'s offset from UTC (local less UTC, seconds) from 1970
/// to 2100, so analysts' SQL can show a shop's local time without ICU.
/// (No zone changes its offset twice within a day.)
fn zone_spans(tz: chrono_tz::Tz) -> Vec<(chrono::NaiveDateTime, chrono::NaiveDateTime, i32)> {
    use chrono::{Offset, TimeZone};
    let start = chrono::DateTime::from_timestamp(0, 0).expect("1970");
    let end = chrono::DateTime::from_timestamp(4_102_444_800, 0).expect("2100");
    let offset = |t: chrono::DateTime<chrono::Utc>| tz.offset_from_utc_datetime(&t.naive_utc()).fix().local_minus_utc();
    let mut spans = vec![];
    let (mut from, mut current) = (start, offset(start));
    let mut day = start;
    while day < end {
        let next = day + chrono::Duration::days(1);
        if offset(next) != current {
            // The change falls within the day: find its minute (the first with the new offset).
            let minute = |m: i64| day + chrono::Duration::minutes(m);
            let (mut lo, mut hi) = (0, 24 * 60);
            while hi - lo > 1 {
                let mid = (lo + hi) / 2;
                if offset(minute(mid)) == current {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let hi = minute(hi);
            spans.push((from.naive_utc(), hi.naive_utc(), current));
            (from, current) = (hi, offset(hi));
        }
        day = next;
    }
    spans.push((from.naive_utc(), end.naive_utc(), current));
    spans
}

/// Small helpers for the methods of the store's files: each runs one
/// statement of `queries/` with named parameters.
impl Store {
    fn execute(&self, sql: &str, params: &[Param<'_>]) -> anyhow::Result<usize> {
        execute_named(&self.conn, sql, params)
    }

    fn query_all<T>(
        &self,
        sql: &str,
        params: &[Param<'_>],
        mut map: impl FnMut(&duckdb::Row<'_>) -> duckdb::Result<T>,
    ) -> anyhow::Result<Vec<T>> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let (_, mut rows) = query_named(&mut stmt, params)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(map(r)?);
        }
        keep_unless_big(stmt, out.len());
        Ok(out)
    }

    fn query_optional<T>(
        &self,
        sql: &str,
        params: &[Param<'_>],
        map: impl FnMut(&duckdb::Row<'_>) -> duckdb::Result<T>,
    ) -> anyhow::Result<Option<T>> {
        Ok(self.query_all(sql, params, map)?.into_iter().next())
    }

    fn query_one<T>(
        &self,
        sql: &str,
        params: &[Param<'_>],
        map: impl FnMut(&duckdb::Row<'_>) -> duckdb::Result<T>,
    ) -> anyhow::Result<T> {
        self.query_optional(sql, params, map)?.context("the query returned no row")
    }
}

/// Whether opening failed because another process holds the database's lock.
/// The DuckDB library the database is written with (`v2.0.0`): a file it
/// wrote opens only in that DuckDB or a later one.
pub fn duckdb_version() -> String {
    // SAFETY: DuckDB returns a pointer to a static, NUL-terminated string.
    unsafe { std::ffi::CStr::from_ptr(duckdb::ffi::duckdb_library_version()) }.to_string_lossy().into_owned()
}

/// Whether opening the database failed because another process holds it (a close).
pub fn is_busy(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.to_string().contains("Could not set lock on file"))
}

/// Statements a connection keeps prepared, by their text. This DuckDB plans a
/// statement that reads tables again at every execution, but a cached one is
/// neither parsed again nor planned a first time when prepared: the
/// statements of a close cost less on a connection that ran them before.
const CACHED_STATEMENTS: usize = 256;

/// The write-ahead log DuckDB lets grow before it checkpoints during a run
/// (its default is 16 MB); see `Store::open_configured`.
const CHECKPOINT_THRESHOLD: &str = "1GB";

/// A cached statement keeps its last result until it runs again: one that
/// returned more rows than this is dropped from the cache instead.
const CACHED_RESULT_ROWS: usize = 1_000;

fn keep_unless_big(stmt: duckdb::CachedStatement<'_>, rows: usize) {
    if rows > CACHED_RESULT_ROWS {
        stmt.discard();
    }
}

/// A value for a named parameter.
pub type Param<'a> = (&'a str, &'a dyn ToSql);

/// Binds `$name` parameters by name. Every parameter in the SQL must be given.
fn bind_named(stmt: &mut Statement<'_>, params: &[Param<'_>]) -> anyhow::Result<()> {
    for i in 1..=stmt.parameter_count() {
        let name = stmt.parameter_name(i)?;
        let name = name.trim_start_matches('$');
        let value = params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
            .ok_or_else(|| anyhow::anyhow!("the query needs a value for ${name}; pass --param {name}=VALUE"))?;
        stmt.raw_bind_parameter(i, value)?;
    }
    Ok(())
}

/// Binds `params` by name, runs the query, and returns its column names and rows.
fn query_named<'s>(
    stmt: &'s mut Statement<'_>,
    params: &[Param<'_>],
) -> anyhow::Result<(Vec<String>, duckdb::Rows<'s>)> {
    bind_named(stmt, params)?;
    stmt.raw_execute()?;
    let columns = stmt.column_names();
    Ok((columns, stmt.raw_query()))
}

/// Prepares `sql`, binds `params` by name and executes it.
fn execute_named(conn: &Connection, sql: &str, params: &[Param<'_>]) -> anyhow::Result<usize> {
    let mut stmt = conn.prepare_cached(sql)?;
    bind_named(&mut stmt, params)?;
    Ok(stmt.raw_execute()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The config's shops and terminals are recorded in a few statements,
    /// again on every run without duplicating anything: a terminal two shops
    /// name belongs to the last, and each time zone's offsets are stored once.
    #[test]
    fn the_config_is_recorded_once_whatever_the_number_of_runs() {
        let shop = |id: &str, zone: &str, terminal: &str| {
            format!(
                "[[shop]]\nid = \"{id}\"\nname = \"Shop {id}\"\ncurrency = \"SEK\"\ntimezone = \"{zone}\"\n\
                 close_at = \"0 0 22 * * *\"\nlevel = \"terminal\"\nreseller_id = \"r\"\nreseller_user_id = \"1\"\n\
                 password_env = \"P\"\n[[shop.terminal]]\nid = \"{terminal}\"\nname = \"{terminal} of {id}\"\npassword_env = \"Q\"\n"
            )
        };
        let text = format!(
            "[seqr]\nendpoint = \"http://127.0.0.1:1/soap\"\nclient_id = \"c\"\n[store]\ndatabase = \"x.duckdb\"\n{}{}{}",
            shop("a", "Europe/Stockholm", "T1"),
            shop("b", "Europe/Stockholm", "T2"),
            shop("c", "Asia/Kolkata", "T1"),
        );
        let cfg = Config::parse(&text, "t.toml").unwrap();
        let store = Store::open_in_memory().unwrap();
        for _ in 0..2 {
            store.sync_config(&cfg).unwrap();
        }
        let shops: Vec<(String, String)> = store
            .read_for_test("SELECT shop_id, name FROM shops ORDER BY 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
        assert_eq!(shops.len(), 3);
        assert_eq!(shops[2], ("c".to_string(), "Shop c".to_string()));
        let terminals: Vec<(String, String, String)> = store
            .read_for_test("SELECT terminal_id, shop_id, name FROM terminals ORDER BY 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap();
        let owned = |t: &str, s: &str, n: &str| (t.to_string(), s.to_string(), n.to_string());
        assert_eq!(terminals, [owned("T1", "c", "T1 of c"), owned("T2", "b", "T2 of b")]);
        let spans: Vec<(String, i64)> = store
            .read_for_test("SELECT timezone, count(*) FROM zone_offsets GROUP BY 1 ORDER BY 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        let expected = |tz: chrono_tz::Tz| zone_spans(tz).len() as i64;
        assert_eq!(
            spans,
            [
                ("Asia/Kolkata".to_string(), expected(chrono_tz::Asia::Kolkata)),
                ("Europe/Stockholm".to_string(), expected(chrono_tz::Europe::Stockholm))
            ]
        );
    }

    /// Stockholm's summer time begins on the last Sunday of March at 01:00
    /// UTC: the spans change there, to the minute, and cover 1970 to 2100.
    #[test]
    fn zone_spans_change_at_the_minute_the_offset_does() {
        let spans = zone_spans(chrono_tz::Europe::Stockholm);
        let at = |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        let spring = spans.iter().position(|(from, _, _)| *from == at("2026-03-29 01:00")).expect("a span from then");
        assert_eq!((spans[spring - 1].2, spans[spring].2), (3600, 7200));
        assert_eq!(spans[spring].1, at("2026-10-25 01:00"));
        assert!(spans.windows(2).all(|w| w[0].1 == w[1].0 && w[0].2 != w[1].2), "contiguous, each a change");
        assert_eq!((spans[0].0, spans.last().unwrap().1), (at("1970-01-01 00:00"), at("2100-01-01 00:00")));
        assert_eq!(zone_spans(chrono_tz::Asia::Kolkata).len(), 1, "no change since 1970");
    }

    #[test]
    fn schema_applies_to_an_empty_database_and_every_query_prepares() {
        let store = Store::open_in_memory().unwrap();
        // result_changes reads the table that keep_result_before makes, and the
        // statements after the classification the one it makes.
        store.keep_result_before(&ShopId::from_static("shop-1"), 1).unwrap();
        // The close files' and the lake's statements select from the macros.
        store.with_macros().unwrap();
        let params = reconcile::ClassifyParams {
            amount_tolerance: rust_decimal::Decimal::ZERO,
            probable_window_seconds: 0,
            unpolled_window_seconds: 0,
            in_transit_window_seconds: 0,
        };
        store.classify(&[], &params).unwrap();
        // The archive's statements read the temporary table its first makes.
        store.archive(&[], chrono::Utc::now()).unwrap();
        let lake = [
            queries::LAKE_WRITE_TRANSACTIONS,
            queries::LAKE_WRITE_EXCEPTIONS,
            queries::LAKE_WRITE_SEQR_ROWS,
            queries::LAKE_WRITE_POS_POSTS,
            queries::LAKE_WRITE_PERIODS,
            queries::LAKE_WRITE_CLOSES,
            queries::LAKE_WRITE_ITEMS,
            queries::LAKE_DATABASE_TOTALS,
            queries::LAKE_PARQUET_TOTALS,
        ];
        let files = [
            queries::SUMMARY_ROWS,
            queries::SUMMARY_CSV,
            queries::EXCEPTIONS_ROWS,
            queries::EXCEPTIONS_CSV,
            queries::TRANSACTIONS_ROWS,
            queries::TRANSACTIONS_CSV,
        ];
        let all = files
            .into_iter()
            .chain([queries::CHECKS, queries::TODO, queries::UNKNOWN_REFUND_LINKS, queries::ARCHIVED])
            .chain(lake)
            .chain(queries::STORE.iter().map(|(_, q)| *q))
            .chain(queries::RECONCILE.iter().map(|(_, q)| *q))
            .chain(queries::ARCHIVE.iter().map(|(_, q)| *q))
            .chain(queries::ANALYST.iter().map(|(_, q)| *q));
        for sql in all {
            store.conn.prepare(sql).unwrap_or_else(|e| panic!("{e}\n{sql}"));
        }
        // A feed's statements read the temporary tables that reading a file of it makes.
        let dir = tempfile::tempdir().unwrap();
        for (feed, header) in
            [(ingest::Feed::Posts, ingest::POSTS_HEADER), (ingest::Feed::Invoices, ingest::INVOICES_HEADER)]
        {
            let file = dir.path().join("feed.csv");
            std::fs::write(&file, header.join(",") + "\n").unwrap();
            store.stage_pos_file(&file.display().to_string(), feed, &ingest::ShopCurrencies::new(), &[]).unwrap();
            let q = feed.queries();
            for sql in [
                q.stage,
                q.check,
                q.changed,
                q.insert,
                q.sent_before,
                queries::RENUMBER_STAGED,
                queries::READER_REFUSALS,
            ]
            .into_iter()
            .chain([queries::STAGED_COUNT, queries::READER_REFUSED_COUNT, queries::DROP_STAGED])
            {
                store.conn.prepare(sql).unwrap_or_else(|e| panic!("{e}\n{sql}"));
            }
        }
    }

    /// A new database at `path` with the first `version` migrations applied
    /// and recorded, as a seqr-recon of that version left it.
    fn database_at_version(path: &Path, version: usize) -> Connection {
        let conn = Connection::open(path).unwrap();
        execute_named(&conn, queries::MIGRATIONS_TABLE, &[]).unwrap();
        for (version, name, sql) in &queries::MIGRATIONS[..version] {
            conn.execute_batch(sql).unwrap();
            execute_named(&conn, queries::RECORD_MIGRATION, &[("version", version), ("name", name)]).unwrap();
        }
        conn
    }

    #[test]
    fn a_version_2_database_keeps_its_results_through_migration_3() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v2.duckdb");
        // Each row whole, with its column names, as text.
        let dump = "SELECT CAST(recon_results AS VARCHAR) FROM recon_results";
        let before: String = {
            let conn = database_at_version(&path, 2);
            conn.execute_batch(
                "INSERT INTO recon_results VALUES ('shop-1', 1, 'P1', 'P1', 'MATCHED', 'P:1:2', 'S:E1', NULL, 'T1', \
                 'c1', 'E1', 'R1', 100, 100, 0, TIMESTAMP '2026-11-21 10:00:00', NULL, NULL)",
            )
            .unwrap();
            conn.query_row(dump, [], |r| r.get(0)).unwrap()
        };
        let store = Store::open(&path).unwrap();
        let after: String = store.conn.query_row(dump, [], |r| r.get(0)).unwrap();
        assert!(before.contains("P:1:2") && before.contains("R1"), "{before}");
        assert_eq!(after, before, "a MATCHED row written before migration 3 reads back unchanged");
    }

    /// Migration 20 finds each shop's newest close among those already made,
    /// and every close begun after it becomes its shop's newest.
    #[test]
    fn each_shops_newest_close_is_found_before_and_after_migration_20() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v19.duckdb");
        {
            let conn = database_at_version(&path, 19);
            // Numbered out of insertion order, as nothing promises the rows' order.
            for (shop, seq) in [("shop-a", 3), ("shop-a", 1), ("shop-b", 1), ("shop-a", 2)] {
                conn.execute(
                    "INSERT INTO closes (close_id, shop_id, close_seq, slot, state, created_at, updated_at) \
                     VALUES (? || '-' || ?, ?, ?, now(), 'emailed', now(), now())",
                    duckdb::params![shop, seq, shop, seq],
                )
                .unwrap();
            }
        }
        let store = Store::open(&path).unwrap();
        let newest = |shop: &'static str| store.latest_close(&ShopId::from_static(shop)).unwrap().map(|c| c.close_id);
        assert_eq!(newest("shop-a").as_deref(), Some("shop-a-3"));
        assert_eq!(newest("shop-b").as_deref(), Some("shop-b-1"));
        assert_eq!(newest("shop-c"), None);

        let slot = chrono::Utc::now();
        let fourth = store.begin_close(&ShopId::from_static("shop-a"), slot).unwrap();
        let first = store.begin_close(&ShopId::from_static("shop-c"), slot).unwrap();
        assert_eq!((fourth.close_seq, first.close_seq), (4, 1));
        assert_eq!(newest("shop-a"), Some(fourth.close_id));
        assert_eq!(newest("shop-c"), Some(first.close_id));
        assert_eq!(newest("shop-b").as_deref(), Some("shop-b-1"));
    }

    #[test]
    fn the_tables_accept_exactly_the_words_of_the_domain() {
        use crate::domain::{Category, CloseState, EmailKind, PeriodState, PostKind, Resolution};
        let store = Store::open_in_memory().unwrap();
        let check = |table: &str, column: &str| -> String {
            store
                .conn
                .query_row(
                    "SELECT expression FROM duckdb_constraints() WHERE table_name = ? AND constraint_type = 'CHECK' \
                     AND list_contains(constraint_column_names, ?)",
                    [table, column],
                    |r| r.get(0),
                )
                .unwrap_or_else(|e| panic!("{table}.{column} has no CHECK: {e}"))
        };
        let words = |expr: &str| -> Vec<String> {
            let mut w: Vec<String> = expr.split('\'').skip(1).step_by(2).map(String::from).collect();
            w.sort();
            w
        };
        let expect = |all: Vec<&str>| -> Vec<String> {
            let mut w: Vec<String> = all.into_iter().map(String::from).collect();
            w.sort();
            w
        };
        let categories = expect(Category::ALL.iter().map(|c| c.as_str()).collect());
        assert_eq!(words(&check("closes", "state")), expect(CloseState::ALL.iter().map(|c| c.as_str()).collect()));
        assert_eq!(words(&check("periods", "state")), expect(PeriodState::ALL.iter().map(|c| c.as_str()).collect()));
        assert_eq!(words(&check("recon_items", "category")), categories);
        assert_eq!(words(&check("exception_resolutions", "category")), categories);
        let hows = expect(Resolution::ALL.iter().map(|c| c.as_str()).collect());
        assert_eq!(words(&check("exception_resolutions", "how")), hows);
        assert_eq!(words(&check("pos_posts", "kind")), expect(PostKind::ALL.iter().map(|c| c.as_str()).collect()));
        assert_eq!(words(&check("emails", "kind")), expect(EmailKind::ALL.iter().map(|c| c.as_str()).collect()));
        let refused = store.conn.execute("UPDATE closes SET state = 'done'", []);
        assert!(refused.is_ok(), "no rows: nothing to refuse yet");
        store
            .conn
            .execute_batch(
                "INSERT INTO closes VALUES ('c', 's', 1, now(), 'intent', NULL, NULL, now(), now(), NULL, NULL)",
            )
            .unwrap();
        let e = store.conn.execute("UPDATE closes SET state = 'done'", []).unwrap_err();
        assert!(e.to_string().contains("CHECK constraint"), "{e}");
    }

    #[test]
    fn reopening_does_not_apply_migrations_twice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.duckdb");
        drop(Store::open(&path).unwrap());
        let store = Store::open(&path).unwrap();
        let n: i64 = store.conn.query_row("SELECT count(*) FROM schema_migrations", [], |r| r.get(0)).unwrap();
        assert_eq!(n, queries::MIGRATIONS.len() as i64);
    }

    /// A database a later seqr-recon migrated is refused, by the writer and
    /// by the reader alike, and left as it was.
    #[test]
    fn a_database_from_a_later_version_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.duckdb");
        let later = queries::MIGRATIONS.len() as i64 + 1;
        {
            let store = Store::open(&path).unwrap();
            store.record_migration_for_test(later);
        }
        let e = Store::open(&path).err().expect("refused");
        assert!(e.to_string().contains(&format!("schema version {later}, written by a later seqr-recon")), "{e}");
        let settings: crate::config::StoreSettings = toml::from_str(&format!("database = {path:?}")).unwrap();
        let e = Store::open_read_only(&settings).err().expect("refused");
        assert!(e.to_string().contains("install that version or a later one"), "{e}");
        let conn = Connection::open(&path).unwrap();
        let version: i64 = conn.query_row("SELECT max(version) FROM schema_migrations", [], |r| r.get(0)).unwrap();
        assert_eq!(version, later);
    }

    impl Store {
        fn record_migration_for_test(&self, version: i64) {
            self.execute(queries::RECORD_MIGRATION, &[("version", &version), ("name", &"later")]).unwrap();
        }
    }
}
