//! Loading the POS's CSV feeds: DuckDB's CSV reader reads the file (in
//! parallel), SQL checks every value, and the whole file is loaded in one
//! transaction.
//!
//! A file with any bad line is refused whole, with one `FILE:LINE: column: what`
//! line per problem; a file loaded before (same SHA-256) changes nothing.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use sha2::{Digest, Sha256};

use super::{by_shop, closes_value, execute_named, queries, Store};
use crate::config::Config;
use crate::domain::{CloseKey, ShopId};
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
pub type ShopCurrencies = HashMap<ShopId, String>;

/// The configured shops' currencies.
pub fn shop_currencies(cfg: &Config) -> ShopCurrencies {
    cfg.shops.iter().map(|s| (s.id.clone(), s.currency.clone())).collect()
}

impl Feed {
    /// The statements that load a file of this feed.
    pub fn queries(self) -> queries::FeedQueries {
        match self {
            Feed::Posts => queries::POSTS_FEED,
            Feed::Invoices => queries::INVOICES_FEED,
        }
    }

    fn header(self) -> &'static [&'static str] {
        match self {
            Feed::Posts => POSTS_HEADER,
            Feed::Invoices => INVOICES_HEADER,
        }
    }
}

/// Checks and loads one POS file. DuckDB's CSV reader reads it (every line
/// it cannot take is named); `queries/store/check_*.sql` checks every value;
/// only a file without a problem is loaded, in one transaction. `Err` is
/// either [`Rejected`] (bad content) or an I/O or database error.
pub fn ingest_file(store: &Store, path: &Path, shops: &ShopCurrencies) -> anyhow::Result<Ingested> {
    let name = path.display().to_string();
    let scan = scan_file(path).with_context(|| format!("reading {name}"))?;
    // The same content again changes nothing, and needs no second check.
    let loaded_before: Option<String> =
        store.query_optional(queries::LOADED_FEED, &[("sha256", &scan.sha256)], |r| r.get(0))?;
    if let Some(feed) = loaded_before {
        let feed = Feed::parse(&feed).with_context(|| format!("pos_files.feed {feed:?} for {name} is not a feed"))?;
        return Ok(Ingested::AlreadyLoaded { feed });
    }
    let reject = |problems: Vec<String>| anyhow::Error::new(Rejected { file: name.clone(), problems });
    let feed = feed_of(&name, &scan.header).map_err(|p| reject(vec![p]))?;
    // DuckDB's reader takes its path as a glob pattern: it reads the file
    // through a link whose name holds no pattern character, or through a copy
    // whose lines all end `\n` when the file has carriage returns.
    let read_dir = tempfile::tempdir().context("making a temporary folder to read a POS file from")?;
    let readable = read_dir.path().join("feed.csv");
    if scan.carriage_returns {
        copy_with_lf_endings(path, &readable)
            .with_context(|| format!("copying {name} to {} with one line ending", readable.display()))?;
    } else {
        std::os::unix::fs::symlink(std::path::absolute(path)?, &readable)?;
    }
    if let Err(e) = store.stage_pos_file(&readable.display().to_string(), feed, shops, &scan.blank_lines) {
        return Err(match reader_refusal(&name, &e, scan.stray_quote_line) {
            Some(problem) => reject(vec![problem]),
            None => e.context(format!("reading {name}")),
        });
    }
    let problems = store.staged_problems(&name, feed, &scan.blank_lines)?;
    if !problems.is_empty() {
        return Err(reject(problems));
    }
    let file_name = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_else(|| name.clone());
    // A till that exports one file a day and exports it again as it grows: the
    // lines an earlier file of this name sent must come back unchanged, and
    // only the lines after them are new.
    let sent_through = lines_sent_before(store, &file_name, feed)?;
    if sent_through > 0 {
        refuse_changed_lines(store, &name, &file_name, feed, sent_through)?;
    }
    let rows: i64 = store.query_one(queries::STAGED_COUNT, &[], |r| r.get(0))?;
    let tx = store.transaction()?;
    let file_id = tx.next_file_id()?;
    let loaded = execute_named(
        &tx.conn,
        feed.queries().insert,
        &[("file_id", &file_id), ("skip_through", &(sent_through as i64))],
    )
    .with_context(|| format!("loading {name} into the database"))? as u64;
    tx.record_pos_file(file_id, &file_name, &scan.sha256, feed, loaded)?;
    tx.commit()?;
    store.execute(queries::DROP_STAGED, &[])?;
    Ok(if sent_through > 0 {
        Ingested::Appended { feed, rows: loaded, sent_through }
    } else {
        Ingested::Loaded { feed, rows: rows as u64 }
    })
}

/// The problem to refuse a file with when DuckDB's CSV reader gave up on it
/// as a whole (rather than naming its bad lines); `None` for any other error.
fn reader_refusal(name: &str, e: &anyhow::Error, stray_quote_line: Option<i64>) -> Option<String> {
    let message = e.chain().find_map(|cause| match cause.downcast_ref::<duckdb::Error>() {
        Some(duckdb::Error::DuckDBFailure(_, Some(m))) if m.starts_with("Invalid Input Error") => Some(m.clone()),
        _ => None,
    })?;
    let first = message.lines().next().unwrap_or_default().trim_start_matches("Invalid Input Error: ");
    let line = message.split_once(" line ").and_then(|(_, rest)| {
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse::<u64>().ok()
    });
    Some(match (line, stray_quote_line) {
        (Some(line), _) => format!("{name}:{line}: the line is not valid CSV: {first}"),
        (None, Some(line)) => format!(
            "{name}:{line}: the line is not valid CSV: a quote inside a value that is not quoted as a whole; quote \
             the whole value (\"…\") and double the quotes inside it (\"\")"
        ),
        (None, None) => format!(
            "{name}: the CSV reader could not read the file ({first}); check its quoting and that it is UTF-8 text \
             with one record per line"
        ),
    })
}

/// The feed whose header `header` (the file's first line) is; else the problem.
fn feed_of(name: &str, header: &[u8]) -> Result<Feed, String> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(header);
    let mut record = csv::StringRecord::new();
    match reader.read_record(&mut record) {
        Ok(true) => {}
        Ok(false) => return Err(format!("{name}:1: the file is empty; expected a header row")),
        Err(e) => return Err(format!("{name}:1: the line is not valid CSV: {e}")),
    }
    let header: Vec<&str> = record.iter().map(|h| h.trim().trim_start_matches('\u{feff}')).collect();
    [Feed::Posts, Feed::Invoices].into_iter().find(|f| header == f.header()).ok_or_else(|| {
        format!(
            "{name}:1: header: not a known feed; transaction posts need `{}`, the invoice journal `{}` (same order, no extra columns)",
            POSTS_HEADER.join(","),
            INVOICES_HEADER.join(",")
        )
    })
}

/// The last line that earlier files named `file_name` of this feed sent (0: none).
fn lines_sent_before(store: &Store, file_name: &str, feed: Feed) -> anyhow::Result<u64> {
    let last: i64 = store.query_one(feed.queries().sent_before, &[("file_name", &file_name)], |r| r.get(0))?;
    Ok(last as u64)
}

/// Refuses a re-export that changed or dropped lines an earlier file of its
/// name already sent, naming every such line.
fn refuse_changed_lines(
    store: &Store,
    name: &str,
    file_name: &str,
    feed: Feed,
    sent_through: u64,
) -> anyhow::Result<()> {
    store.with_macros()?;
    let mut stmt = store.conn.prepare(feed.queries().changed)?;
    let sent = sent_through as i64;
    let (_, mut rows) = super::query_named(&mut stmt, &[("file_name", &file_name), ("sent_through", &sent)])?;
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

/// What one pass over a POS file's bytes finds before DuckDB reads it.
struct FileScan {
    /// SHA-256 of the whole file, hex.
    sha256: String,
    /// The first line (the header), without its line break.
    header: Vec<u8>,
    /// Lines holding nothing but blanks, numbered as DuckDB's reader numbers
    /// lines: a line break inside a quoted value does not start a line.
    blank_lines: Vec<i64>,
    /// A carriage return ends a line somewhere (`\r\n`, or a lone `\r`): the
    /// reader is given a copy with every line ending `\n`.
    carriage_returns: bool,
    /// The first line with a quote RFC 4180 does not allow, to name when the
    /// reader gives up on the whole file.
    stray_quote_line: Option<i64>,
}

/// One byte of a POS file, read with every line ending a till writes: `\n`,
/// `\r\n` and a lone `\r` each end a line, unless inside a quoted value.
/// Tills mix them (one exporter writes `\r\n`, another `\n`), and DuckDB's
/// reader takes only one ending per file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Byte {
    /// Part of a line.
    Text(u8),
    /// The end of a line.
    LineEnd,
    /// The `\n` of a `\r\n`: the line already ended.
    Skip,
}

/// Reads bytes as [`Byte`]s, following RFC 4180's quoting (a quoted value
/// starts with `"` and doubles the quotes it holds) and a `\r` just seen.
#[derive(Default)]
struct LineEnds {
    field: Field,
    after_cr: bool,
    /// A `"` that RFC 4180 does not allow (inside an unquoted value, or after
    /// a closing quote) was just read: the reader refuses such a line.
    stray_quote: bool,
}

/// Where in a field the reader is.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Field {
    /// At the start of a field.
    #[default]
    Start,
    /// Inside a value that is not quoted.
    Unquoted,
    /// Inside a quoted value.
    Quoted,
    /// A `"` inside a quoted value: its end, or the first of a doubled quote.
    QuoteInQuoted,
}

impl LineEnds {
    fn read(&mut self, b: u8) -> Byte {
        let after_cr = std::mem::take(&mut self.after_cr);
        self.stray_quote = false;
        let (field, byte) = match (self.field, b) {
            (Field::Quoted, b'"') => (Field::QuoteInQuoted, Byte::Text(b)),
            (Field::Quoted, _) => (Field::Quoted, Byte::Text(b)),
            (Field::QuoteInQuoted | Field::Start, b'"') => (Field::Quoted, Byte::Text(b)),
            (_, b',') => (Field::Start, Byte::Text(b)),
            (_, b'\n') if after_cr => (Field::Start, Byte::Skip),
            (_, b'\n') => (Field::Start, Byte::LineEnd),
            (_, b'\r') => {
                self.after_cr = true;
                (Field::Start, Byte::LineEnd)
            }
            (Field::Unquoted, b'"') => {
                self.stray_quote = true;
                (Field::Unquoted, Byte::Text(b))
            }
            (Field::QuoteInQuoted, _) => {
                self.stray_quote = true;
                (Field::Unquoted, Byte::Text(b))
            }
            _ => (Field::Unquoted, Byte::Text(b)),
        };
        self.field = field;
        byte
    }
}

/// Hashes the file and finds its header, blank lines and line endings in one pass.
fn scan_file(path: &Path) -> std::io::Result<FileScan> {
    let mut file = File::open(path)?;
    let mut hash = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let (mut header, mut blank_lines, mut carriage_returns, mut stray_quote_line) =
        (Vec::new(), Vec::new(), false, None);
    let (mut ends, mut line, mut blank) = (LineEnds::default(), 1i64, true);
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        let chunk = &buf[..n];
        hash.update(chunk);
        for &b in chunk {
            match ends.read(b) {
                Byte::LineEnd => {
                    carriage_returns |= b == b'\r';
                    if blank && line > 1 {
                        blank_lines.push(line);
                    }
                    (line, blank) = (line + 1, true);
                }
                Byte::Skip => {}
                Byte::Text(b) => {
                    if line == 1 {
                        header.push(b);
                    }
                    blank &= matches!(b, b' ' | b'\t');
                    if ends.stray_quote && stray_quote_line.is_none() {
                        stray_quote_line = Some(line);
                    }
                }
            }
        }
    }
    if blank && line > 1 {
        blank_lines.push(line);
    }
    Ok(FileScan { sha256: hex::encode(hash.finalize()), header, blank_lines, carriage_returns, stray_quote_line })
}

/// Copies `from` to `to` with every line ending `\n` (see [`Byte`]); quoted
/// values keep their bytes. Line numbers stay those of [`scan_file`].
fn copy_with_lf_endings(from: &Path, to: &Path) -> std::io::Result<()> {
    let mut reader = std::io::BufReader::with_capacity(1 << 20, File::open(from)?);
    let mut writer = std::io::BufWriter::with_capacity(1 << 20, File::create(to)?);
    let mut ends = LineEnds::default();
    loop {
        let chunk = reader.fill_buf()?;
        if chunk.is_empty() {
            break;
        }
        let mut out = Vec::with_capacity(chunk.len());
        for &b in chunk {
            match ends.read(b) {
                Byte::Text(b) => out.push(b),
                Byte::LineEnd => out.push(b'\n'),
                Byte::Skip => {}
            }
        }
        writer.write_all(&out)?;
        let n = chunk.len();
        reader.consume(n);
    }
    writer.flush()
}

impl Store {
    /// Reads `path` as `feed` into the temporary table `pos_staged`, each row
    /// with its line and typed values (`queries/store/stage_*.sql`).
    pub(super) fn stage_pos_file(
        &self,
        path: &str,
        feed: Feed,
        shops: &ShopCurrencies,
        blank_lines: &[i64],
    ) -> anyhow::Result<()> {
        self.conn.execute_batch(queries::STAGE_TABLES)?;
        self.conn.execute_batch(queries::POS_VALUES)?;
        {
            let mut app = self.conn.appender("pos_shops")?;
            for (shop, currency) in shops {
                app.append_row(duckdb::params![shop, currency])?;
            }
            let mut app = self.conn.appender("pos_statuses")?;
            for status in InvoiceStatus::ALL {
                app.append_row([status.as_str()])?;
            }
            let mut app = self.conn.appender("pos_blank_lines")?;
            for line in blank_lines {
                app.append_row([line])?;
            }
        }
        execute_named(&self.conn, feed.queries().stage, &[("path", &path)])?;
        self.conn.execute_batch(queries::POS_COMMON_PROBLEMS)?;
        // Each row was numbered by its place among the rows read: mend that if the reader skipped lines.
        let refused: i64 = self.query_one(queries::READER_REFUSED_COUNT, &[], |r| r.get(0))?;
        if refused > 0 || !blank_lines.is_empty() {
            self.conn.execute_batch(queries::RENUMBER_STAGED)?;
        }
        Ok(())
    }

    /// Every problem of the file just staged, one `FILE:LINE: column: what`
    /// line each, in line order: the lines the reader refused, then each bad value.
    fn staged_problems(&self, name: &str, feed: Feed, blank_lines: &[i64]) -> anyhow::Result<Vec<String>> {
        let mut problems = self.reader_problems(name, feed, blank_lines)?;
        problems.extend(self.value_problems(name, feed)?);
        // Stable: within a line, the reader's refusal first, then the values in column order.
        problems.sort_by_key(|(line, _)| *line);
        Ok(problems.into_iter().map(|(_, p)| p).collect())
    }

    /// The lines DuckDB's CSV reader refused, each once, with the number of
    /// fields a line of the wrong width has.
    fn reader_problems(&self, name: &str, feed: Feed, blank_lines: &[i64]) -> anyhow::Result<Vec<(i64, String)>> {
        let columns = feed.header().len();
        let refused: Vec<(i64, String, String)> =
            self.query_all(queries::READER_REFUSALS, &[], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        // The reader names a line once per column it lacks (or has too many):
        // one problem per line, with the number of fields the line has.
        let mut by_line: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        let mut fields: BTreeMap<i64, usize> = BTreeMap::new();
        // A line of blanks is skipped, as an empty one is.
        for (line, kind, message) in refused.into_iter().filter(|(line, _, _)| !blank_lines.contains(line)) {
            let found = message.rsplit_once("Found: ").and_then(|(_, n)| n.trim().parse::<usize>().ok());
            match (kind.as_str(), found) {
                ("MISSING COLUMNS", Some(found)) => {
                    fields.entry(line).and_modify(|f| *f = (*f).min(found)).or_insert(found);
                }
                ("TOO MANY COLUMNS", Some(found)) => {
                    fields.entry(line).and_modify(|f| *f = (*f).max(found)).or_insert(found);
                }
                ("INVALID ENCODING", _) => by_line.entry(line).or_default().push(
                    "the line is not valid CSV: it is not UTF-8 text (invalid utf-8); save the file as UTF-8".into(),
                ),
                _ => by_line.entry(line).or_default().push(format!("the line is not valid CSV: {message}")),
            }
        }
        for (line, found) in fields {
            by_line.entry(line).or_default().insert(0, format!("-: expected {columns} columns, found {found}"));
        }
        let mut problems = Vec::new();
        for (line, whats) in by_line {
            let mut seen = std::collections::HashSet::new();
            for what in whats.into_iter().filter(|w| seen.insert(w.clone())) {
                problems.push((line, format!("{name}:{line}: {what}")));
            }
        }
        Ok(problems)
    }

    /// The values the feed's checks refuse (`queries/store/check_*.sql`), by line and column.
    fn value_problems(&self, name: &str, feed: Feed) -> anyhow::Result<Vec<(i64, String)>> {
        self.query_all(feed.queries().check, &[], |r| {
            let (line, column, problem): (i64, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
            // An empty field is read as NULL.
            let [value, shop, currency]: [Option<String>; 3] = [r.get(3)?, r.get(4)?, r.get(5)?];
            let [value, shop, currency] = [value, shop, currency].map(Option::unwrap_or_default);
            let what = value_problem(&problem, &value, &shop, &currency);
            Ok((line, format!("{name}:{line}: {column}: {what}")))
        })
    }
}

/// What is wrong with a value, in words: `problem` as the feed's check names it.
fn value_problem(problem: &str, value: &str, shop: &str, currency: &str) -> String {
    // A value is quoted back at most 80 characters long.
    let value = match value.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", &value[..cut]),
        None => value.to_string(),
    };
    match problem {
        "unknown_shop" => format!("{value:?} is not a shop in the config; add it or fix the POS's shop id"),
        "wrong_currency" => format!("{value:?} is not shop {shop}'s currency {currency}"),
        "empty" => "is empty; it is required".into(),
        "not_decimal" => format!("{value:?} is not a decimal amount like 149.50"),
        "too_many_places" => format!("{value:?} has more than 5 decimal places"),
        "too_large" => format!("{value:?} is too large for DECIMAL(18,5)"),
        "not_positive" => format!("{value} is not positive; a PAYMENT is positive"),
        "not_negative" => format!("{value} is not negative; a REFUND is negative"),
        "unknown_kind" => format!("{value:?} is not PAYMENT or REFUND"),
        "not_a_time" => format!(
            "{value:?} is not an RFC 3339 time like 2026-11-21T14:22:51+01:00 (a real date and time, and a UTC \
             offset of at most ±14:00)"
        ),
        "unknown_status" => {
            format!("{value:?} is not a SEQR invoice status (ISSUED, PAID, CANCELED, FAILED, RESERVED, …) or empty")
        }
        too_long if too_long.starts_with("too_long_") => format!(
            "is {value} characters long; it may hold at most {}: shorten it in the till's export",
            &too_long["too_long_".len()..]
        ),
        other => format!("{value:?}: {other}"),
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
/// Only regular files are read: a link (which may point out of the inbox), a
/// folder or a device named `*.csv` is refused by name, its target unread.
pub fn ingest_inbox(store: &Store, inbox: &Path, shops: &ShopCurrencies) -> anyhow::Result<InboxOutcome> {
    let mut outcome = InboxOutcome::default();
    let mut files = Vec::new();
    for entry in std::fs::read_dir(inbox).with_context(|| format!("reading the inbox {}", inbox.display()))? {
        let entry = entry.with_context(|| format!("reading the inbox {}", inbox.display()))?;
        let path = entry.path();
        if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) {
            // The entry's own type: a link is not followed.
            let kind = entry.file_type().with_context(|| format!("reading {}", path.display()))?;
            files.push((path, kind));
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    for (file, kind) in files {
        if !kind.is_file() {
            let rejected = Rejected { file: file.display().to_string(), problems: vec![not_regular(&file, kind)] };
            let to = refuse(&file, inbox, &rejected)?;
            record_refusal(store, &to, &rejected, Counting::NotRead(shops.keys().map(ToString::to_string).collect()))?;
            outcome.rejected.push((to, rejected));
            continue;
        }
        match ingest_file(store, &file, shops) {
            Ok(result) => {
                let to = move_into(&file, &inbox.join("archive"))?;
                outcome.loaded.push((to, result));
            }
            Err(e) => match e.downcast::<Rejected>() {
                Ok(rejected) => {
                    let to = refuse(&file, inbox, &rejected)?;
                    record_refusal(store, &to, &rejected, Counting::PerShop)?;
                    outcome.rejected.push((to, rejected));
                }
                Err(other) => return Err(other),
            },
        }
    }
    Ok(outcome)
}

/// Why an inbox entry that is not a regular file is refused, and what to do.
fn not_regular(path: &Path, kind: std::fs::FileType) -> String {
    let what = if kind.is_symlink() {
        "a symbolic link; links are not followed, as they may point out of the inbox".to_string()
    } else if kind.is_dir() {
        "a folder".to_string()
    } else {
        "not a regular file (a device, socket or pipe)".to_string()
    };
    format!("{}: {what}; nothing was read. Put the file itself in the inbox (copy or move it there).", path.display())
}

/// Moves a refused inbox entry to `rejected/` and writes its `.errors.txt` beside it.
fn refuse(file: &Path, inbox: &Path, rejected: &Rejected) -> anyhow::Result<PathBuf> {
    let to = move_into(file, &inbox.join("rejected"))?;
    let mut errors_path = to.clone().into_os_string();
    errors_path.push(".errors.txt");
    let errors_path = PathBuf::from(errors_path);
    let mut f = File::create(&errors_path).with_context(|| format!("writing {}", errors_path.display()))?;
    writeln!(f, "{rejected}").with_context(|| format!("writing {}", errors_path.display()))?;
    Ok(to)
}

/// Whether a refused file was read, so its rows can be counted per shop.
enum Counting {
    /// Read: its rows are counted per shop it names.
    PerShop,
    /// Not read: it is named for each of these shops, rows unknown.
    NotRead(Vec<String>),
}

/// Records a refused file per shop it names, with how many rows it held for
/// that shop, so each affected shop's next report says its till data is
/// incomplete. Counting is best effort on a file already known to be bad: the
/// first column of every line after the header (both feeds start with shop_id).
/// A file that was not read is recorded for every shop, rows unknown.
fn record_refusal(store: &Store, path: &Path, rejected: &Rejected, counting: Counting) -> anyhow::Result<()> {
    let mut rows: BTreeMap<String, Option<i64>> = BTreeMap::new();
    let sha = match counting {
        Counting::PerShop => {
            let reader = std::io::BufReader::new(File::open(path)?);
            for line in reader.split(b'\n').skip(1) {
                let line = line?;
                let text = String::from_utf8_lossy(&line);
                if text.trim().is_empty() {
                    continue;
                }
                let shop = text.split(',').next().unwrap_or("").trim().trim_matches('"').to_string();
                *rows.entry(shop).or_default().get_or_insert(0) += 1;
            }
            scan_file(path).with_context(|| format!("reading {}", path.display()))?.sha256
        }
        Counting::NotRead(shops) => {
            rows.extend(shops.into_iter().map(|s| (s, None)));
            // Not the content's hash: the name stands for the entry.
            format!("unread:{}", path.display())
        }
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let problems = rejected.problems.len() as i64;
    let tx = store.transaction()?;
    for (shop, n) in rows {
        tx.execute(
            queries::INSERT_REFUSAL,
            &[("file_name", &name), ("sha256", &sha), ("shop_id", &shop), ("row_count", &n), ("problems", &problems)],
        )?;
    }
    tx.commit()
}

/// A refused POS file, as one shop's report names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedFile {
    /// The file's name.
    pub file_name: String,
    /// The file's rows for the shop; `None` when the file was not read.
    pub rows: Option<i64>,
    /// Bad rows found in the file.
    pub problems: i64,
}

impl RefusedFile {
    /// `posts.csv: 12 row(s) of this shop, 1 problem(s)`, as a report lists it.
    pub fn describe(&self) -> String {
        match self.rows {
            Some(rows) => format!("{}: {rows} row(s) of this shop, {} problem(s)", self.file_name, self.problems),
            None => format!("{}: not read, so its rows are unknown; {} problem(s)", self.file_name, self.problems),
        }
    }
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
    pub fn claim_refusals(&self, shop_id: &ShopId, close_id: &str) -> anyhow::Result<()> {
        self.execute(queries::CLAIM_REFUSALS, &[("close_id", &close_id), ("shop_id", &shop_id)])?;
        Ok(())
    }

    /// The refused POS files the reports of closes (at most one per shop)
    /// name, by shop: one statement for all of them.
    pub fn refused_files(&self, closes: &[CloseKey<'_>]) -> anyhow::Result<HashMap<ShopId, Vec<RefusedFile>>> {
        let files = self.query_all(queries::REFUSED_FILES, &[("closes", &closes_value(closes))], |r| {
            Ok((r.get::<_, ShopId>(0)?, RefusedFile { file_name: r.get(1)?, rows: r.get(2)?, problems: r.get(3)? }))
        })?;
        Ok(by_shop(files))
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
