//! Loading the POS's CSV feeds: every row checked in one streaming pass, then
//! the whole file loaded in one transaction through DuckDB's CSV reader.
//!
//! A file with any bad row is refused whole, with one `FILE:LINE: column: what`
//! line per bad row; a file loaded before (same SHA-256) changes nothing.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::Context;
use chrono::{DateTime, SecondsFormat, Utc};
use duckdb::OptionalExt;
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use super::{execute_named, queries, Store};
use crate::progress;
use crate::seqr::types::InvoiceStatus;

/// The transaction-post feed's header.
pub const POSTS_HEADER: &[&str] = &[
    "shop_id",
    "terminal_id",
    "cashier_id",
    "ers_reference",
    "invoice_reference",
    "amount",
    "currency",
    "kind",
    "description",
    "posted_at",
];

/// The invoice-journal feed's header.
pub const INVOICES_HEADER: &[&str] =
    &["shop_id", "terminal_id", "invoice_reference", "amount", "currency", "sent_at", "last_status", "last_polled_at"];

/// Which feed a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    /// Transaction posts.
    Posts,
    /// The invoice journal.
    Invoices,
}

impl Feed {
    /// The feed's name in files and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Feed::Posts => "posts",
            Feed::Invoices => "invoices",
        }
    }

    /// The feed named by [`Feed::as_str`] (as `pos_files.feed` stores it).
    pub fn parse(s: &str) -> Option<Feed> {
        [Feed::Posts, Feed::Invoices].into_iter().find(|f| f.as_str() == s)
    }
}

/// What loading one file did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ingested {
    /// A new file: all its `rows` loaded.
    Loaded {
        /// Which feed the file is.
        feed: Feed,
        /// Lines loaded.
        rows: u64,
    },
    /// The same bytes were loaded before: nothing to do.
    AlreadyLoaded {
        /// Which feed the file is.
        feed: Feed,
    },
    /// A re-export of a file loaded before under the same name, grown at the
    /// end: only its `rows` new lines were loaded; its first `sent` lines
    /// (through line `sent_through`) had come with the earlier file.
    Appended {
        /// Which feed the file is.
        feed: Feed,
        /// New lines loaded.
        rows: u64,
        /// The last line the earlier file had sent.
        sent_through: u64,
    },
}

/// A refused file: every problem, one per line.
#[derive(Debug, thiserror::Error)]
#[error("{file}: refused, {} problem(s); nothing was loaded:\n{}", problems.len(), problems.join("\n"))]
pub struct Rejected {
    /// The file refused.
    pub file: String,
    /// Every problem, naming line and column.
    pub problems: Vec<String>,
}

/// Shop id → the currency its posts must be in.
pub type ShopCurrencies = HashMap<String, String>;

/// Most decimal places an amount may have.
const MAX_SCALE: u32 = 5;

/// Checks and loads one POS file. `Err` is either [`Rejected`] (bad content)
/// or an I/O or database error.
pub fn ingest_file(store: &Store, path: &Path, shops: &ShopCurrencies) -> anyhow::Result<Ingested> {
    let name = path.display().to_string();
    let sha = sha256_file(path).with_context(|| format!("reading {name}"))?;
    // The same content again changes nothing, and needs no second check.
    let loaded_before: Option<String> =
        store.conn.query_row("SELECT feed FROM pos_files WHERE sha256 = ?", [&sha], |r| r.get(0)).optional()?;
    if let Some(feed) = loaded_before {
        let feed = Feed::parse(&feed).with_context(|| format!("pos_files.feed {feed:?} for {name} is not a feed"))?;
        return Ok(Ingested::AlreadyLoaded { feed });
    }
    let staging = tempfile::Builder::new().prefix("seqr-recon-staging-").suffix(".csv").tempfile()?;
    let (feed, rows) = validate_and_stage(path, &name, shops, staging.path())?;
    let staging_path = staging.path().display().to_string();
    let file_name = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_else(|| name.clone());
    // A till that exports one file a day and exports it again as it grows: the
    // lines an earlier file of this name sent must come back unchanged, and
    // only the lines after them are new.
    let sent_through = lines_sent_before(store, &file_name, feed)?;
    if sent_through > 0 {
        refuse_changed_lines(store, &name, &file_name, feed, &staging_path, sent_through)?;
    }
    let tx = store.transaction()?;
    let file_id = tx.next_file_id()?;
    let sql = match feed {
        Feed::Posts => queries::INSERT_POSTS,
        Feed::Invoices => queries::INSERT_INVOICES,
    };
    let loaded = execute_named(
        &tx.conn,
        sql,
        &[("file_id", &file_id), ("staging", &staging_path), ("skip_through", &(sent_through as i64))],
    )
    .with_context(|| format!("loading {name} into the database"))? as u64;
    // A whole file must load every row it was checked for (a re-export loads its tail only).
    if sent_through == 0 && loaded != rows {
        anyhow::bail!("{name}: checked {rows} rows but the database loaded {loaded}; nothing was kept");
    }
    tx.record_pos_file(file_id, &file_name, &sha, feed, loaded)?;
    tx.commit()?;
    Ok(if sent_through > 0 {
        Ingested::Appended { feed, rows: loaded, sent_through }
    } else {
        Ingested::Loaded { feed, rows }
    })
}

/// The last line that earlier files named `file_name` of this feed sent (0: none).
fn lines_sent_before(store: &Store, file_name: &str, feed: Feed) -> anyhow::Result<u64> {
    let table = match feed {
        Feed::Posts => "pos_posts",
        Feed::Invoices => "pos_invoices",
    };
    let last: i64 = store.conn.query_row(
        &format!(
            "SELECT coalesce(max(line), 0) FROM {table} \
             WHERE file_id IN (SELECT file_id FROM pos_files WHERE file_name = ? AND feed = ?)"
        ),
        duckdb::params![file_name, feed.as_str()],
        |r| r.get(0),
    )?;
    Ok(last as u64)
}

/// Refuses a re-export that changed or dropped lines an earlier file of its
/// name already sent, naming every such line.
fn refuse_changed_lines(
    store: &Store,
    name: &str,
    file_name: &str,
    feed: Feed,
    staging: &str,
    sent_through: u64,
) -> anyhow::Result<()> {
    let sql = match feed {
        Feed::Posts => queries::CHANGED_POSTS,
        Feed::Invoices => queries::CHANGED_INVOICES,
    };
    let mut stmt = store.conn.prepare(sql)?;
    let sent = sent_through as i64;
    let (_, mut rows) =
        super::query_named(&mut stmt, &[("staging", &staging), ("file_name", &file_name), ("sent_through", &sent)])?;
    let mut problems = Vec::new();
    while let Some(r) = rows.next()? {
        let (line, what): (i64, String) = (r.get(0)?, r.get(1)?);
        problems.push(format!(
            "{name}:{line}: {what} since an earlier file named {file_name} sent it; a re-export may only add lines \
             at the end: send corrections as new lines or a file of another name"
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(anyhow::Error::new(Rejected { file: name.to_string(), problems }))
    }
}

fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut f = BufReader::with_capacity(1 << 20, File::open(path)?);
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// One streaming pass: every row checked; good rows written normalised (UTC
/// times, line numbers) to `staging` for DuckDB's reader.
fn validate_and_stage(path: &Path, name: &str, shops: &ShopCurrencies, staging: &Path) -> anyhow::Result<(Feed, u64)> {
    let file = File::open(path).with_context(|| format!("opening {name}"))?;
    let bar = progress::bytes(file.metadata()?.len(), &format!("checking {name}"));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(BufReader::with_capacity(1 << 20, bar.wrap_read(file)));
    let mut out =
        csv::WriterBuilder::new().from_writer(std::io::BufWriter::with_capacity(1 << 20, File::create(staging)?));
    let mut problems = Vec::new();
    let mut record = csv::StringRecord::new();

    let reject = |problems: Vec<String>| anyhow::Error::new(Rejected { file: name.to_string(), problems });
    // Err: the problem, and whether reading can go on (past a bad line it can; past a failing disk it cannot).
    let read = |reader: &mut csv::Reader<_>, record: &mut csv::StringRecord| -> Result<bool, (String, bool)> {
        reader.read_record(record).map_err(|e| match (e.kind(), e.position()) {
            (csv::ErrorKind::Io(_), _) => (format!("{name}: could not be read to the end: {e}"), false),
            (_, Some(p)) => (format!("{name}:{}: the line is not valid CSV: {e}", p.line()), true),
            (_, None) => (format!("{name}: not valid CSV: {e}"), true),
        })
    };
    if !read(&mut reader, &mut record).map_err(|(p, _)| reject(vec![p]))? {
        return Err(reject(vec![format!("{name}:1: the file is empty; expected a header row")]));
    }
    let header: Vec<&str> = record.iter().map(|h| h.trim().trim_start_matches('\u{feff}')).collect();
    let feed = if header == POSTS_HEADER {
        Feed::Posts
    } else if header == INVOICES_HEADER {
        Feed::Invoices
    } else {
        return Err(reject(vec![format!(
            "{name}:1: header: not a known feed; transaction posts need `{}`, the invoice journal `{}` (same order, no extra columns)",
            POSTS_HEADER.join(","),
            INVOICES_HEADER.join(",")
        )]));
    };
    let columns = match feed {
        Feed::Posts => POSTS_HEADER,
        Feed::Invoices => INVOICES_HEADER,
    };
    let mut staged_header = vec!["line"];
    staged_header.extend_from_slice(columns);
    out.write_record(&staged_header)?;

    let mut rows = 0u64;
    // Reused for every row: the loop allocates nothing per row but the time's text.
    let mut staged = csv::ByteRecord::new();
    let mut scratch = String::new();
    loop {
        match read(&mut reader, &mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err((p, go_on)) => {
                problems.push(p);
                if go_on {
                    continue;
                }
                break;
            }
        }
        let line = record.position().map(csv::Position::line).unwrap_or(0);
        if record.len() == 1 && record.get(0).is_some_and(|f| f.trim().is_empty()) {
            continue; // a blank line
        }
        rows += 1;
        let mut row = RowCheck { name, line, problems: &mut problems, record: &record, columns };
        if record.len() != columns.len() {
            row.problem(None, format!("expected {} columns, found {}", columns.len(), record.len()));
            continue;
        }
        let checked = match feed {
            Feed::Posts => row.post(shops),
            Feed::Invoices => row.invoice(shops),
        };
        // Once any row is bad the file is refused: stop staging, keep checking.
        let Some(checked) = checked.filter(|_| problems.is_empty()) else { continue };
        staged.clear();
        scratch.clear();
        write!(scratch, "{line}")?;
        staged.push_field(scratch.as_bytes());
        checked.stage(&record, &mut staged, &mut scratch)?;
        out.write_byte_record(&staged)?;
    }
    out.flush()?;
    bar.finish_and_clear();
    if !problems.is_empty() {
        return Err(reject(problems));
    }
    Ok((feed, rows))
}

/// Column positions of the transaction-post feed ([`POSTS_HEADER`]).
mod post {
    pub const SHOP_ID: usize = 0;
    pub const TERMINAL_ID: usize = 1;
    pub const CASHIER_ID: usize = 2;
    pub const ERS_REFERENCE: usize = 3;
    pub const INVOICE_REFERENCE: usize = 4;
    pub const AMOUNT: usize = 5;
    pub const CURRENCY: usize = 6;
    pub const KIND: usize = 7;
    pub const DESCRIPTION: usize = 8;
    pub const POSTED_AT: usize = 9;
}

/// Column positions of the invoice-journal feed ([`INVOICES_HEADER`]).
mod invoice {
    pub const SHOP_ID: usize = 0;
    pub const TERMINAL_ID: usize = 1;
    pub const INVOICE_REFERENCE: usize = 2;
    pub const AMOUNT: usize = 3;
    pub const CURRENCY: usize = 4;
    pub const SENT_AT: usize = 5;
    pub const LAST_STATUS: usize = 6;
    pub const LAST_POLLED_AT: usize = 7;
}

/// Checks of one row; each failed check adds a `FILE:LINE: column: what` line.
struct RowCheck<'a> {
    name: &'a str,
    line: u64,
    problems: &'a mut Vec<String>,
    record: &'a csv::StringRecord,
    columns: &'a [&'a str],
}

/// What a good row adds to its raw fields: its amount and times, normalised.
struct Checked {
    feed: Feed,
    amount: Decimal,
    /// `posted_at` of a post, `sent_at` of an invoice, in UTC.
    time: DateTime<Utc>,
    /// `last_polled_at` of an invoice, in UTC, if it was polled.
    polled: Option<DateTime<Utc>>,
}

impl Checked {
    /// Appends the staged fields (all but the line number) in the feed's column order.
    fn stage(&self, record: &csv::StringRecord, out: &mut csv::ByteRecord, scratch: &mut String) -> std::fmt::Result {
        let field = |i: usize| record.get(i).unwrap_or("").trim().as_bytes();
        let mut decimal = |d: &Decimal, out: &mut csv::ByteRecord| -> std::fmt::Result {
            scratch.clear();
            write!(scratch, "{d}")?;
            out.push_field(scratch.as_bytes());
            Ok(())
        };
        let time = |t: &DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::AutoSi, true);
        match self.feed {
            Feed::Posts => {
                for i in
                    [post::SHOP_ID, post::TERMINAL_ID, post::CASHIER_ID, post::ERS_REFERENCE, post::INVOICE_REFERENCE]
                {
                    out.push_field(field(i));
                }
                decimal(&self.amount, out)?;
                out.push_field(field(post::CURRENCY));
                out.push_field(field(post::KIND));
                // Description is kept as written, spaces included.
                out.push_field(record.get(post::DESCRIPTION).unwrap_or("").as_bytes());
                out.push_field(time(&self.time).as_bytes());
            }
            Feed::Invoices => {
                for i in [invoice::SHOP_ID, invoice::TERMINAL_ID, invoice::INVOICE_REFERENCE] {
                    out.push_field(field(i));
                }
                decimal(&self.amount, out)?;
                out.push_field(field(invoice::CURRENCY));
                out.push_field(time(&self.time).as_bytes());
                out.push_field(field(invoice::LAST_STATUS));
                out.push_field(self.polled.map(|t| time(&t)).unwrap_or_default().as_bytes());
            }
        }
        Ok(())
    }
}

impl<'a> RowCheck<'a> {
    /// Records a problem with column `i` (`None`: the row as a whole).
    fn problem(&mut self, i: Option<usize>, what: String) {
        let column = i.map_or("-", |i| self.columns[i]);
        self.problems.push(format!("{}:{}: {}: {}", self.name, self.line, column, what));
    }

    fn field(&self, i: usize) -> &'a str {
        self.record.get(i).unwrap_or("").trim()
    }

    fn required(&mut self, i: usize) {
        if self.field(i).is_empty() {
            self.problem(Some(i), "is empty; it is required".into());
        }
    }

    fn amount(&mut self, i: usize) -> Option<Decimal> {
        let v = self.field(i);
        match Decimal::from_str(v) {
            Ok(d) if d.scale() > MAX_SCALE => {
                self.problem(Some(i), format!("{v:?} has more than {MAX_SCALE} decimal places"));
                None
            }
            Ok(d) if d.abs() >= Decimal::from(10_000_000_000_000i64) => {
                self.problem(Some(i), format!("{v:?} is too large for DECIMAL(18,5)"));
                None
            }
            Ok(d) => Some(d),
            Err(_) => {
                self.problem(Some(i), format!("{v:?} is not a decimal amount like 149.50"));
                None
            }
        }
    }

    /// An RFC 3339 time, in UTC.
    fn time(&mut self, i: usize) -> Option<DateTime<Utc>> {
        let v = self.field(i);
        match DateTime::parse_from_rfc3339(v) {
            Ok(t) => Some(t.with_timezone(&Utc)),
            Err(e) => {
                self.problem(Some(i), format!("{v:?} is not an RFC 3339 time like 2026-11-21T14:22:51+01:00 ({e})"));
                None
            }
        }
    }

    fn shop_and_currency(&mut self, shops: &ShopCurrencies, shop_i: usize, currency_i: usize) {
        let (shop, currency) = (self.field(shop_i), self.field(currency_i));
        match shops.get(shop) {
            None => self.problem(
                Some(shop_i),
                format!("{shop:?} is not a shop in the config; add it or fix the POS's shop id"),
            ),
            Some(c) if c != currency => {
                self.problem(Some(currency_i), format!("{currency:?} is not shop {shop}'s currency {c}"));
            }
            Some(_) => {}
        }
    }

    fn post(&mut self, shops: &ShopCurrencies) -> Option<Checked> {
        let before = self.problems.len();
        self.shop_and_currency(shops, post::SHOP_ID, post::CURRENCY);
        self.required(post::TERMINAL_ID);
        self.required(post::ERS_REFERENCE);
        let amount = self.amount(post::AMOUNT);
        let kind = self.field(post::KIND);
        match (kind, amount) {
            ("PAYMENT", Some(a)) if a <= Decimal::ZERO => {
                self.problem(Some(post::AMOUNT), format!("{a} is not positive; a PAYMENT is positive"));
            }
            ("REFUND", Some(a)) if a >= Decimal::ZERO => {
                self.problem(Some(post::AMOUNT), format!("{a} is not negative; a REFUND is negative"));
            }
            ("PAYMENT" | "REFUND", _) => {}
            _ => self.problem(Some(post::KIND), format!("{kind:?} is not PAYMENT or REFUND")),
        }
        let posted_at = self.time(post::POSTED_AT);
        if self.problems.len() > before {
            return None;
        }
        Some(Checked { feed: Feed::Posts, amount: amount?, time: posted_at?, polled: None })
    }

    fn invoice(&mut self, shops: &ShopCurrencies) -> Option<Checked> {
        let before = self.problems.len();
        self.shop_and_currency(shops, invoice::SHOP_ID, invoice::CURRENCY);
        self.required(invoice::TERMINAL_ID);
        self.required(invoice::INVOICE_REFERENCE);
        let amount = self.amount(invoice::AMOUNT);
        let sent_at = self.time(invoice::SENT_AT);
        let status = self.field(invoice::LAST_STATUS);
        if !status.is_empty() && InvoiceStatus::parse(status).is_none() {
            self.problem(
                Some(invoice::LAST_STATUS),
                format!(
                    "{status:?} is not a SEQR invoice status (ISSUED, PAID, CANCELED, FAILED, RESERVED, …) or empty"
                ),
            );
        }
        // Empty when the POS never polled.
        let polled =
            if self.field(invoice::LAST_POLLED_AT).is_empty() { None } else { self.time(invoice::LAST_POLLED_AT) };
        if self.problems.len() > before {
            return None;
        }
        Some(Checked { feed: Feed::Invoices, amount: amount?, time: sent_at?, polled })
    }
}

/// What happened to each inbox file.
#[derive(Debug, Default)]
pub struct InboxOutcome {
    /// Files loaded.
    pub loaded: Vec<(PathBuf, Ingested)>,
    /// Files refused, moved to `rejected/`.
    pub rejected: Vec<(PathBuf, Rejected)>,
}

/// Loads every `*.csv` in `inbox` (oldest name first): good files go to
/// `inbox/archive/`, refused ones to `inbox/rejected/` beside a `.errors.txt`.
pub fn ingest_inbox(store: &Store, inbox: &Path, shops: &ShopCurrencies) -> anyhow::Result<InboxOutcome> {
    let mut outcome = InboxOutcome::default();
    if !inbox.exists() {
        return Ok(outcome);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(inbox)
        .with_context(|| format!("reading the inbox {}", inbox.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")))
        .collect();
    files.sort();
    for file in files {
        match ingest_file(store, &file, shops) {
            Ok(result) => {
                let to = move_into(&file, &inbox.join("archive"))?;
                outcome.loaded.push((to, result));
            }
            Err(e) => match e.downcast::<Rejected>() {
                Ok(rejected) => {
                    let to = move_into(&file, &inbox.join("rejected"))?;
                    let mut errors_path = to.clone().into_os_string();
                    errors_path.push(".errors.txt");
                    let mut f = File::create(&errors_path)?;
                    writeln!(f, "{rejected}")?;
                    record_refusal(store, &to, &rejected)?;
                    outcome.rejected.push((to, rejected));
                }
                Err(other) => return Err(other),
            },
        }
    }
    Ok(outcome)
}

/// Records a refused file per shop it names, with how many rows it held for
/// that shop, so each affected shop's next report says its till data is
/// incomplete. Counting is best effort on a file already known to be bad: the
/// first column of every line after the header (both feeds start with shop_id).
fn record_refusal(store: &Store, path: &Path, rejected: &Rejected) -> anyhow::Result<()> {
    let sha = sha256_file(path).with_context(|| format!("reading {}", path.display()))?;
    let mut rows: BTreeMap<String, i64> = BTreeMap::new();
    let reader = std::io::BufReader::new(File::open(path)?);
    for line in reader.split(b'\n').skip(1) {
        let line = line?;
        let text = String::from_utf8_lossy(&line);
        if text.trim().is_empty() {
            continue;
        }
        let shop = text.split(',').next().unwrap_or("").trim().trim_matches('"').to_string();
        *rows.entry(shop).or_default() += 1;
    }
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tx = store.conn.unchecked_transaction()?;
    for (shop, n) in rows {
        tx.execute(
            "INSERT INTO pos_file_refusals VALUES (?, ?, ?, ?, ?, now(), NULL) ON CONFLICT DO NOTHING",
            duckdb::params![name, sha, shop, n, rejected.problems.len() as i64],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// A refused POS file, as one shop's report names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedFile {
    /// The file's name.
    pub file_name: String,
    /// The file's rows for the shop.
    pub rows: i64,
    /// Bad rows found in the file.
    pub problems: i64,
}

impl Store {
    /// The id the next POS file gets.
    pub(super) fn next_file_id(&self) -> anyhow::Result<i64> {
        self.query_one(queries::NEXT_FILE_ID, &[], |r| r.get(0))
    }

    /// Records a loaded POS file (or a back-office refund recorded as one).
    pub(super) fn record_pos_file(
        &self,
        file_id: i64,
        file_name: &str,
        sha256: &str,
        feed: Feed,
        row_count: u64,
    ) -> anyhow::Result<()> {
        self.execute(
            queries::RECORD_POS_FILE,
            &[
                ("file_id", &file_id),
                ("file_name", &file_name),
                ("sha256", &sha256),
                ("feed", &feed.as_str()),
                ("row_count", &(row_count as i64)),
            ],
        )?;
        Ok(())
    }

    /// Gives `close_id` the shop's POS files refused since its previous report,
    /// for its report to name.
    pub fn claim_refusals(&self, shop_id: &str, close_id: &str) -> anyhow::Result<()> {
        self.conn.execute(
            "UPDATE pos_file_refusals SET reported_in_close = ? WHERE shop_id = ? AND reported_in_close IS NULL",
            duckdb::params![close_id, shop_id],
        )?;
        Ok(())
    }

    /// The refused POS files the report of `close_id` names.
    pub fn refused_files(&self, close_id: &str) -> anyhow::Result<Vec<RefusedFile>> {
        let mut stmt = self.conn.prepare(
            "SELECT file_name, row_count, problems FROM pos_file_refusals WHERE reported_in_close = ? \
             ORDER BY refused_at, file_name",
        )?;
        let rows = stmt.query_map([close_id], |r| {
            Ok(RefusedFile { file_name: r.get(0)?, rows: r.get(1)?, problems: r.get(2)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// Moves `file` into `dir`, never overwriting: a name taken gets a numeric suffix.
fn move_into(file: &Path, dir: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let name = file.file_name().expect("a file has a name").to_string_lossy().into_owned();
    let mut to = dir.join(&name);
    let mut n = 1;
    while to.exists() {
        to = dir.join(format!("{name}.{n}"));
        n += 1;
    }
    std::fs::rename(file, &to).with_context(|| format!("moving {} to {}", file.display(), to.display()))?;
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_positions_agree_with_the_headers() {
        let posts = [
            (post::SHOP_ID, "shop_id"),
            (post::TERMINAL_ID, "terminal_id"),
            (post::CASHIER_ID, "cashier_id"),
            (post::ERS_REFERENCE, "ers_reference"),
            (post::INVOICE_REFERENCE, "invoice_reference"),
            (post::AMOUNT, "amount"),
            (post::CURRENCY, "currency"),
            (post::KIND, "kind"),
            (post::DESCRIPTION, "description"),
            (post::POSTED_AT, "posted_at"),
        ];
        let invoices = [
            (invoice::SHOP_ID, "shop_id"),
            (invoice::TERMINAL_ID, "terminal_id"),
            (invoice::INVOICE_REFERENCE, "invoice_reference"),
            (invoice::AMOUNT, "amount"),
            (invoice::CURRENCY, "currency"),
            (invoice::SENT_AT, "sent_at"),
            (invoice::LAST_STATUS, "last_status"),
            (invoice::LAST_POLLED_AT, "last_polled_at"),
        ];
        for (header, columns) in [(POSTS_HEADER, &posts[..]), (INVOICES_HEADER, &invoices[..])] {
            assert_eq!(header.len(), columns.len(), "every column has a position");
            for (i, name) in columns {
                assert_eq!(header[*i], *name);
            }
        }
    }
}
