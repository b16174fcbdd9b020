//! The files of a close: three CSVs and a workbook.
//!
//! CSV: RFC 4180, UTF-8, a header row, formula-safe text, for scripts.
//! Numbers stay numbers. Amount columns keep full precision (5 places);
//! totals and differences (`*_total`, `difference`) show two decimals.
//! A text cell that a spreadsheet would run as a formula is prefixed with `'`.
//! With `[reports] csv_excel` they are written for a spreadsheet instead
//! (see [`CsvStyle`]). The workbook ([`workbook`]) is for people.

pub mod todo;
pub mod workbook;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use duckdb::types::{TimeUnit, Value};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::config::{ReportFormat, ReportSettings, Shop};
use crate::domain::{CloseKey, ShopId};
use crate::store::files::CloseFile;
use crate::store::ingest::RefusedFile;
use crate::store::reconcile::{CloseSpan, TodoList};
use crate::store::{Param, Store, SummaryLine};

/// How CSV files are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CsvStyle {
    /// A UTF-8 byte order mark first, so a spreadsheet reads the file as UTF-8.
    pub bom: bool,
    /// `;` between fields and a decimal comma, as a spreadsheet set to a
    /// decimal-comma locale (Swedish, Norwegian, German…) expects.
    pub decimal_comma: bool,
}

impl CsvStyle {
    /// The style `[reports] csv_excel` asks for, for this shop's locale.
    pub fn for_shop(settings: &ReportSettings, shop: &Shop) -> CsvStyle {
        CsvStyle { bom: settings.csv_excel, decimal_comma: settings.csv_excel && shop.decimal_comma() }
    }
}

/// The files of one close.
#[derive(Debug, Clone)]
pub struct ReportFiles {
    /// The folder of the three files.
    pub dir: PathBuf,
    /// `summary.csv`.
    pub summary: PathBuf,
    /// `exceptions.csv`.
    pub exceptions: PathBuf,
    /// `transactions.csv`.
    pub transactions: PathBuf,
    /// `report.xlsx`, when `[reports] formats` has `xlsx`.
    pub workbook: Option<PathBuf>,
    /// Whether `transactions.csv` is small enough to mail (`[email]
    /// attach_transactions_max_bytes`): then the email attaches it and the
    /// workbook has its Transactions sheet.
    pub transactions_mailed: bool,
}

/// The files of a close, in the order of [`ReportFiles`].
pub const CSV_NAMES: [&str; 3] = ["summary.csv", "exceptions.csv", "transactions.csv"];

/// Writes `summary.csv`, `exceptions.csv` and `transactions.csv` (RFC 4180)
/// into `{root}/{shop_id}/{period_id}/`.
pub fn write_reports(
    store: &Store,
    root: &Path,
    shop_id: &ShopId,
    close_seq: i64,
    period_id: &str,
) -> anyhow::Result<ReportFiles> {
    let mut files = write_reports_together(store, root, &[(CloseKey::new(shop_id, close_seq), period_id)])?;
    files.pop().context("no files written for the close")
}

/// [`write_reports`] for several closes (at most one per shop, each with its
/// period id), their rows read together as a run reads them: each close's
/// files, in the order of `closes`.
pub fn write_reports_together(
    store: &Store,
    root: &Path,
    closes: &[(CloseKey<'_>, &str)],
) -> anyhow::Result<Vec<ReportFiles>> {
    let keys: Vec<CloseKey<'_>> = closes.iter().map(|(close, _)| *close).collect();
    let results = CloseResult::read_together(store, &keys)?;
    let style = CsvStyle::default();
    closes.iter().zip(&results).map(|((_, period_id), rows)| write_csvs(store, root, period_id, style, rows)).collect()
}

/// A close's files and the result they were written from, so that the report
/// email shows the same result without reading it again.
pub struct CloseReport {
    /// The files.
    pub files: ReportFiles,
    /// Their rows.
    pub(crate) rows: CloseResult,
}

/// Writes a close's files as `[reports]` asks: the CSVs (in the shop's
/// style), and `report.xlsx` when `formats` has `xlsx`. The workbook carries
/// the Transactions sheet when `transactions.csv` is at most
/// `mail_limit_bytes` (`[email] attach_transactions_max_bytes`), as the
/// workbook is mailed whole.
pub fn write_close_reports(
    store: &Store,
    settings: &ReportSettings,
    shop: &Shop,
    close_seq: i64,
    period_id: &str,
    mail_limit_bytes: u64,
) -> anyhow::Result<CloseReport> {
    let rows = CloseResult::read(store, &shop.id, close_seq)?;
    write_close_reports_of(store, settings, shop, period_id, mail_limit_bytes, rows)
}

/// [`write_close_reports`] from the rows of the close, read already.
pub(crate) fn write_close_reports_of(
    store: &Store,
    settings: &ReportSettings,
    shop: &Shop,
    period_id: &str,
    mail_limit_bytes: u64,
    rows: CloseResult,
) -> anyhow::Result<CloseReport> {
    let style = CsvStyle::for_shop(settings, shop);
    let mut files = write_csvs(store, &settings.dir, period_id, style, &rows)?;
    files.transactions_mailed = std::fs::metadata(&files.transactions)?.len() <= mail_limit_bytes;
    if settings.formats.contains(&ReportFormat::Xlsx) {
        let today = chrono::Utc::now().with_timezone(&shop.tz()).date_naive();
        let agenda = rows.agenda(today, shop.tz());
        let heading = workbook::Heading { shop, period_id, span: todo::Span::new(rows.span, shop.tz()) };
        let with_transactions = files.transactions_mailed;
        files.workbook = Some(workbook::write(store, &files.dir, &heading, with_transactions, &rows, &agenda)?);
        crate::paths::sync_dir(&files.dir)?;
    }
    Ok(CloseReport { files, rows })
}

/// A query's result held in memory, so that one run of the query serves both
/// the CSV and the workbook's sheet.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    /// The column names.
    pub columns: Vec<String>,
    /// The rows, each a value per column.
    pub rows: Vec<Vec<Value>>,
}

impl Table {
    /// Reads `file`'s rows of `closes` and keeps them all.
    fn read(store: &Store, file: CloseFile, closes: &[CloseKey<'_>]) -> anyhow::Result<Table> {
        let mut rows = Vec::new();
        let columns = store.close_file_rows(file, closes, |_, values| {
            rows.push(values.to_vec());
            Ok(())
        })?;
        Ok(Table { columns, rows })
    }

    /// The rows of each shop (by the `shop_id` column) of a result read for
    /// several closes, each shop's in the order the result had them.
    fn by_shop(self) -> anyhow::Result<TablesByShop> {
        let i = self.columns.iter().position(|c| c == "shop_id").context("the result has no shop_id column")?;
        let mut shops: std::collections::HashMap<String, Vec<Vec<Value>>> = std::collections::HashMap::new();
        for row in self.rows {
            let Some(Value::Text(shop_id)) = row.get(i) else { anyhow::bail!("a row without its shop_id: {row:?}") };
            shops.entry(shop_id.clone()).or_default().push(row);
        }
        Ok(TablesByShop { columns: self.columns, shops })
    }

    /// The value of `column` in the last row (the summary's total row).
    fn last_count(&self, column: &str) -> Option<usize> {
        let i = self.columns.iter().position(|c| c == column)?;
        match self.rows.last()?.get(i)? {
            Value::BigInt(n) => usize::try_from(*n).ok(),
            _ => None,
        }
    }
}

/// A result read for several closes, split by shop.
#[derive(Default)]
struct TablesByShop {
    columns: Vec<String>,
    shops: std::collections::HashMap<String, Vec<Vec<Value>>>,
}

impl TablesByShop {
    /// The rows of `shop_id`'s close (none, if the result had none).
    fn take(&mut self, shop_id: &ShopId) -> Table {
        Table { columns: self.columns.clone(), rows: self.shops.remove(shop_id.as_str()).unwrap_or_default() }
    }
}

/// Said instead of a category's advice while a close's period has SEQR sales
/// and not one POS post: the tills' file is missing, not the sales.
pub(crate) const NO_POSTS_ACTION: &str = "Do not refund anyone: no POS post arrived for this period, so the till's \
    file is missing or late, not this sale. Check that the till exported its file into the inbox; the next close \
    matches what arrives.";

/// The categories whose advice takes the till's posts to have arrived.
pub(crate) fn assumes_posts_arrived(category: &str) -> bool {
    matches!(category, "MISSING_LOCALLY" | "REFUND_MISSING_LOCALLY" | "IN_TRANSIT")
}

/// Above this many rows, a file's result is not held in memory: DuckDB's
/// `COPY` writes its CSV and the workbook reads it row by row.
const HELD_ROWS: usize = 20_000;

/// A close's result, read once: what its files, its email and its workbook
/// show (the summary, the exceptions and transactions, the to-do list, the
/// span of the period, the POS files refused). The email reads nothing more
/// from the database. A small close's planning costs more than its rows:
/// running each query once instead of three times (the CSV's columns, the
/// CSV, the sheet) is most of what exporting it takes. A file's rows too many
/// to hold are `None`: DuckDB's `COPY` writes that CSV and the workbook reads
/// it row by row.
#[derive(Debug, Clone)]
pub(crate) struct CloseResult {
    /// Whose rows they are.
    shop_id: ShopId,
    close_seq: i64,
    /// summary.csv's rows.
    summary: Table,
    /// exceptions.csv's rows, unless too many.
    exceptions: Option<Table>,
    /// transactions.csv's rows, unless too many.
    transactions: Option<Table>,
    /// The to-do list, for the email and the workbook's To do sheet.
    pub(crate) todo: TodoList,
    /// SEQR's times of the shop's previous close and of this one.
    pub(crate) span: CloseSpan,
    /// The POS files refused since the shop's previous report, which this one names.
    pub(crate) refused: Vec<RefusedFile>,
}

impl CloseResult {
    /// Reads the summary, and the exceptions and transactions when its total
    /// row says they are small.
    pub(crate) fn read(store: &Store, shop_id: &ShopId, close_seq: i64) -> anyhow::Result<CloseResult> {
        let mut rows = CloseResult::read_together(store, &[CloseKey::new(shop_id, close_seq)])?;
        rows.pop().context("no rows read for the close")
    }

    /// [`CloseResult::read`] for several closes (at most one per shop), in the
    /// order of `closes`: each query runs once for all of them.
    pub(crate) fn read_together(store: &Store, closes: &[CloseKey<'_>]) -> anyhow::Result<Vec<CloseResult>> {
        let mut summaries = Table::read(store, CloseFile::Summary, closes)?.by_shop()?;
        let mut all: Vec<CloseResult> = closes
            .iter()
            .map(|close| CloseResult {
                shop_id: close.shop_id.clone(),
                close_seq: close.close_seq,
                summary: summaries.take(close.shop_id),
                exceptions: None,
                transactions: None,
                todo: TodoList::default(),
                span: (None, None),
                refused: Vec::new(),
            })
            .collect();
        // A file's rows are held for the closes whose summary total row says they are few.
        let few = |n: Option<usize>| n.is_some_and(|n| n <= HELD_ROWS);
        let few_exceptions: Vec<bool> = all.iter().map(|r| few(r.summary.last_count("exception_count"))).collect();
        let few_items: Vec<bool> = all
            .iter()
            .map(|r| {
                let (exceptions, matched) =
                    (r.summary.last_count("exception_count"), r.summary.last_count("matched_count"));
                few(exceptions.zip(matched).map(|(e, m)| e + m))
            })
            .collect();
        // One query for the closes that `wanted` picks.
        let read_for = |file, wanted: &[bool]| -> anyhow::Result<TablesByShop> {
            let picked: Vec<CloseKey<'_>> = closes.iter().zip(wanted).filter(|(_, w)| **w).map(|(c, _)| *c).collect();
            if picked.is_empty() {
                return Ok(TablesByShop::default());
            }
            Table::read(store, file, &picked)?.by_shop()
        };
        let mut exceptions = read_for(CloseFile::Exceptions, &few_exceptions)?;
        let mut transactions = read_for(CloseFile::Transactions, &few_items)?;
        let mut todo = store.todo_lists(closes, TodoList::HELD)?;
        let mut refused = store.refused_files(closes)?;
        let mut spans = store.close_spans(closes)?;
        for (i, rows) in all.iter_mut().enumerate() {
            rows.todo = todo.remove(&rows.shop_id).unwrap_or_default();
            rows.span = spans.remove(&rows.shop_id).unwrap_or_default();
            rows.refused = refused.remove(&rows.shop_id).unwrap_or_default();
            rows.exceptions = few_exceptions[i].then(|| exceptions.take(&rows.shop_id));
            rows.transactions = few_items[i].then(|| transactions.take(&rows.shop_id));
            if rows.no_pos_posts()? {
                rows.withhold_refund_advice();
            }
        }
        Ok(all)
    }

    /// Whether the close's own period has SEQR rows but not one POS post: the
    /// tills' files did not arrive (or the inbox is not where they write), so
    /// SEQR's rows say nothing about lost sales.
    pub(crate) fn no_pos_posts(&self) -> anyhow::Result<bool> {
        let lines = self.summary_lines()?;
        Ok(lines.iter().find(|l| l.terminal.is_none()).is_some_and(|t| t.local_count == 0 && t.seqr_count > 0))
    }

    /// Gives the held exceptions whose advice takes the posts to have arrived
    /// [`NO_POSTS_ACTION`] instead, so no file of the close says to refund.
    fn withhold_refund_advice(&mut self) {
        for item in &mut self.todo.items {
            if assumes_posts_arrived(item.category.as_str()) {
                item.action = NO_POSTS_ACTION.to_string();
            }
        }
        let Some(table) = &mut self.exceptions else { return };
        let column = |name: &str| table.columns.iter().position(|c| c == name);
        let (Some(category), Some(action)) = (column("category"), column("action")) else { return };
        for row in &mut table.rows {
            if matches!(&row[category], Value::Text(c) if assumes_posts_arrived(c)) {
                row[action] = Value::Text(NO_POSTS_ACTION.to_string());
            }
        }
    }

    /// The close, to read a result not held.
    fn close(&self) -> [CloseKey<'_>; 1] {
        [CloseKey::new(&self.shop_id, self.close_seq)]
    }

    /// The to-do list as accountants read it on the shop's day `today`.
    pub(crate) fn agenda(&self, today: chrono::NaiveDate, tz: chrono_tz::Tz) -> todo::Agenda<'_> {
        let marked = self.span.1.unwrap_or_else(chrono::Utc::now);
        todo::Agenda::new(&self.todo, self.close_seq, marked, today, tz)
    }

    /// summary.csv's lines, for the email.
    pub(crate) fn summary_lines(&self) -> anyhow::Result<Vec<SummaryLine>> {
        self.summary.rows.iter().map(|row| SummaryLine::from_row(row)).collect()
    }
}

/// Writes the three CSVs, each through a temporary file and a rename, so a
/// reader never sees half a file.
fn write_csvs(
    store: &Store,
    root: &Path,
    period_id: &str,
    style: CsvStyle,
    rows: &CloseResult,
) -> anyhow::Result<ReportFiles> {
    // Both names come from outside (the config, SEQR): neither may leave `root`.
    let dir = crate::paths::under(root, &[&rows.shop_id, period_id])?;
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    // Each file is written whole and synced before the close's state names it.
    let write = |name: &str, file: CloseFile, held: Option<&Table>| -> anyhow::Result<PathBuf> {
        let path = dir.join(name);
        let tmp = dir.join(format!(".{name}.tmp"));
        match held {
            Some(table) => {
                let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
                let mut csv = CsvRows::new(&mut out, style)?;
                table.rows.iter().try_for_each(|values| csv.row(&table.columns, values))?;
                csv.finish(&table.columns)?;
                out.flush()?;
            }
            None => {
                copy_close_csv(store, file, &rows.close(), style, &tmp)?;
            }
        }
        std::fs::File::open(&tmp)?.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        Ok(path)
    };
    let files = ReportFiles {
        summary: write(CSV_NAMES[0], CloseFile::Summary, Some(&rows.summary))?,
        exceptions: write(CSV_NAMES[1], CloseFile::Exceptions, rows.exceptions.as_ref())?,
        transactions: write(CSV_NAMES[2], CloseFile::Transactions, rows.transactions.as_ref())?,
        workbook: None,
        transactions_mailed: false,
        dir,
    };
    crate::paths::sync_dir(&files.dir)?;
    Ok(files)
}

/// How a column's values are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// Totals and differences: two decimals.
    Display,
    /// Everything else: as exact as stored.
    Exact,
}

fn style_of(column: &str) -> Style {
    if column.ends_with("_total") || column == "difference" {
        Style::Display
    } else {
        Style::Exact
    }
}

/// Makes a text cell safe to open in a spreadsheet.
pub fn formula_safe(text: &str) -> std::borrow::Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}").into(),
        _ => text.into(),
    }
}

/// One cell as text: `None` for SQL NULL (written as an empty cell).
pub fn cell_text(value: &Value, column: &str) -> Option<String> {
    Some(match value {
        Value::Null => return None,
        Value::Boolean(b) => b.to_string(),
        Value::TinyInt(v) => v.to_string(),
        Value::SmallInt(v) => v.to_string(),
        Value::Int(v) => v.to_string(),
        Value::BigInt(v) => v.to_string(),
        Value::HugeInt(v) => v.to_string(),
        Value::UTinyInt(v) => v.to_string(),
        Value::USmallInt(v) => v.to_string(),
        Value::UInt(v) => v.to_string(),
        Value::UBigInt(v) => v.to_string(),
        Value::Float(v) => v.to_string(),
        Value::Double(v) => v.to_string(),
        Value::Decimal(d) => {
            let d: Decimal = (*d).try_into().ok()?;
            format_amount(d, style_of(column))
        }
        Value::Timestamp(unit, v) => timestamp(*unit, *v)?.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        Value::Date32(days) => {
            (chrono::NaiveDate::from_ymd_opt(1970, 1, 1)? + chrono::Duration::days(i64::from(*days))).to_string()
        }
        Value::Text(s) => formula_safe(s).into_owned(),
        other => formula_safe(&format!("{other:?}")).into_owned(),
    })
}

/// A DuckDB `TIMESTAMP` (UTC, as the store keeps every time) as a UTC time.
fn timestamp(unit: TimeUnit, v: i64) -> Option<chrono::DateTime<chrono::Utc>> {
    let micros = match unit {
        TimeUnit::Second => v * 1_000_000,
        TimeUnit::Millisecond => v * 1_000,
        TimeUnit::Microsecond => v,
        TimeUnit::Nanosecond => v / 1_000,
    };
    chrono::DateTime::from_timestamp_micros(micros)
}

fn format_amount(d: Decimal, style: Style) -> String {
    match style {
        Style::Display => format!("{:.2}", d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)),
        Style::Exact => format!("{d:.5}"),
    }
}

/// Writes `file`'s rows of `closes` to `path` as CSV in `style`, as
/// [`write_close_csv`] would, but with DuckDB's `COPY` (a million rows in a
/// fraction of a second): the store makes every cell text in SQL by the rules
/// of [`cell_text`].
pub fn copy_close_csv(
    store: &Store,
    file: CloseFile,
    closes: &[CloseKey<'_>],
    style: CsvStyle,
    path: &Path,
) -> anyhow::Result<u64> {
    if !style.bom {
        return store.copy_close_file_csv(file, closes, style.decimal_comma, path);
    }
    // A byte order mark first: DuckDB writes the rest beside it, and the two are joined.
    let body = path.with_extension("body.tmp");
    let rows = store.copy_close_file_csv(file, closes, style.decimal_comma, &body)?;
    let mut out = std::fs::File::create(path)?;
    out.write_all("\u{feff}".as_bytes())?;
    std::io::copy(&mut std::fs::File::open(&body)?, &mut out)?;
    std::fs::remove_file(&body)?;
    Ok(rows)
}

/// Writes `file`'s rows of `closes` as CSV in `style`, row by row. Returns the row count.
pub fn write_close_csv(
    store: &Store,
    file: CloseFile,
    closes: &[CloseKey<'_>],
    style: CsvStyle,
    out: impl Write,
) -> anyhow::Result<u64> {
    let mut csv = CsvRows::new(out, style)?;
    let columns = store.close_file_rows(file, closes, |columns, values| csv.row(columns, values))?;
    csv.finish(&columns)
}

/// Runs an analyst's `sql` (`seqr-recon query`) and writes its result as CSV. Returns the row count.
pub fn write_query_csv(store: &Store, sql: &str, params: &[Param<'_>], out: impl Write) -> anyhow::Result<u64> {
    let mut csv = CsvRows::new(out, CsvStyle::default())?;
    let columns = store.analyst_rows(sql, params, |columns, values| csv.row(columns, values))?;
    csv.finish(&columns)
}

/// Rows written as CSV in a [`CsvStyle`], the header before the first.
struct CsvRows<W: Write> {
    w: csv::Writer<W>,
    style: CsvStyle,
    record: Vec<String>,
    rows: u64,
}

impl<W: Write> CsvRows<W> {
    fn new(mut out: W, style: CsvStyle) -> anyhow::Result<CsvRows<W>> {
        if style.bom {
            out.write_all("\u{feff}".as_bytes())?;
        }
        let delimiter = if style.decimal_comma { b';' } else { b',' };
        let w = csv::WriterBuilder::new().delimiter(delimiter).from_writer(out);
        Ok(CsvRows { w, style, record: Vec::new(), rows: 0 })
    }

    fn row(&mut self, columns: &[String], values: &[Value]) -> anyhow::Result<()> {
        if self.rows == 0 {
            self.w.write_record(columns)?;
        }
        let decimal_comma = self.style.decimal_comma;
        self.record.clear();
        self.record.extend(values.iter().zip(columns).map(|(v, c)| {
            let text = cell_text(v, c).unwrap_or_default();
            let number = matches!(v, Value::Decimal(_) | Value::Double(_) | Value::Float(_));
            if decimal_comma && number {
                text.replace('.', ",")
            } else {
                text
            }
        }));
        self.w.write_record(&self.record)?;
        self.rows += 1;
        Ok(())
    }

    /// Writes the header if no row came, flushes, and returns the row count.
    fn finish(mut self, columns: &[String]) -> anyhow::Result<u64> {
        if self.rows == 0 {
            self.w.write_record(columns)?;
        }
        self.w.flush()?;
        Ok(self.rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_looks_like_a_formula_is_defused_but_numbers_are_not() {
        for bad in ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert!(formula_safe(bad).starts_with('\''), "{bad:?}");
        }
        assert_eq!(formula_safe("anna"), "anna");
        assert_eq!(cell_text(&Value::Text("=HYPERLINK(\"x\")".into()), "cashier_id").unwrap(), "'=HYPERLINK(\"x\")");
        let neg = duckdb::types::Decimal::from(Decimal::new(-24550, 2));
        assert_eq!(cell_text(&Value::Decimal(neg), "local_amount").unwrap(), "-245.50000");
        assert_eq!(cell_text(&Value::Decimal(neg), "difference").unwrap(), "-245.50");
    }

    /// A reconciled close of `shop_id` (its first), from `posts` (lines of a
    /// posts file, without the shop) and SEQR's rows (reference, amount) on terminal T1.
    fn reconciled_close(store: &Store, dir: &Path, shop_id: &ShopId, posts: &[String], seqr: &[(&str, i64)]) -> i64 {
        use crate::seqr::report::{DetailRow, Report};
        let file = dir.join(format!("{shop_id}.csv"));
        let header = crate::store::ingest::POSTS_HEADER.join(",");
        let lines: Vec<String> = posts.iter().map(|p| format!("{shop_id},{p}")).collect();
        std::fs::write(&file, format!("{header}\n{}\n", lines.join("\n"))).unwrap();
        let shops = [(shop_id.clone(), "SEK".to_string())].into();
        crate::store::ingest::ingest_file(store, &file, &shops).unwrap();
        let marked_at = chrono::DateTime::parse_from_rfc3339("2026-11-21T21:00:00Z").unwrap().to_utc();
        let close = store.begin_close(shop_id, marked_at).unwrap();
        store.record_period(&close, &format!("P-{shop_id}"), None, marked_at, "test", "hash").unwrap();
        let period = store.periods_of(&close.close_id).unwrap().remove(0);
        let row = |(ers, amount): &(&str, i64)| DetailRow {
            terminal_id: Some("T1".into()),
            cashier_id: None,
            amount: Decimal::new(*amount, 0),
            ers_reference: ers.to_string(),
        };
        let fetched = crate::seqr::FetchedReport {
            report: Report { details: seqr.iter().map(row).collect(), ..Default::default() },
            report_zst: crate::seqr::client::compress_report(b"<r/>").unwrap(),
            response_sha256: "0".repeat(64),
            client_reference: "test".into(),
            attempts: 1,
            not_ready: vec![],
        };
        store.store_report(&close.close_id, shop_id, &period, "Reconciliation/STD_RECON_003.xml", &fetched).unwrap();
        crate::reconcile::reconcile(store, shop_id, close.close_seq, &Default::default()).unwrap();
        close.close_seq
    }

    fn four_posts() -> Vec<String> {
        (1..=4).map(|i| format!("T1,,E{i},,{i}0.00,SEK,PAYMENT,,2026-11-21T10:00:0{i}Z")).collect()
    }

    /// The to-do list is by amount at risk, largest first, and counts with
    /// their amount the items beyond what it holds.
    #[test]
    fn the_todo_list_is_by_amount_at_risk_and_counts_what_it_does_not_hold() {
        use crate::domain::Category::{self, AmountMismatch, MissingAtSeqr, MissingLocally};
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.duckdb")).unwrap();
        // SEQR has E1 at 11 (the till 10), E9 that no till posted, and not E2 to E4.
        let shop = ShopId::from_static("shop-1");
        let seq = reconciled_close(&store, dir.path(), &shop, &four_posts(), &[("E1", 11), ("E9", 90)]);
        let all = store.todo_lists(&[CloseKey::new(&shop, seq)], 10).unwrap().remove(&shop).unwrap();
        let risks: Vec<(Category, Decimal)> = all.items.iter().map(|i| (i.category, i.at_risk)).collect();
        let d = Decimal::from;
        assert_eq!(
            risks,
            [
                (MissingLocally, d(90)),
                (MissingAtSeqr, d(40)),
                (MissingAtSeqr, d(30)),
                (MissingAtSeqr, d(20)),
                (AmountMismatch, d(1))
            ]
        );
        assert!(all.items.iter().all(|i| i.first_close_seq == seq && i.last_event.is_none()));
        assert_eq!(all.beyond, (0, Decimal::ZERO, 0));
        let two = store.todo_lists(&[CloseKey::new(&shop, seq)], 2).unwrap().remove(&shop).unwrap();
        assert_eq!(two.items, all.items[..2]);
        assert_eq!(two.beyond, (3, d(51), 3), "three more, 30 + 20 + 1 at risk, all new");
        assert_eq!(CloseResult::read(&store, &shop, seq).unwrap().todo, all);
    }

    /// Read together, each close gets the rows it gets read alone, in the
    /// order asked, even a close with no items at all (its summary still has
    /// its total row).
    #[test]
    fn closes_read_together_get_the_rows_each_gets_alone() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.duckdb")).unwrap();
        let [shop_a, shop_b, shop_c] = ["shop-a", "shop-b", "shop-c"].map(ShopId::from_static);
        let a = reconciled_close(&store, dir.path(), &shop_a, &four_posts(), &[("E1", 11), ("E9", 90)]);
        // The same references in another shop, all matched.
        let all_matched = [("E1", 10), ("E2", 20), ("E3", 30), ("E4", 40)];
        let b = reconciled_close(&store, dir.path(), &shop_b, &four_posts(), &all_matched);
        let empty = reconciled_close(&store, dir.path(), &shop_c, &[], &[]);
        let closes = [CloseKey::new(&shop_c, empty), CloseKey::new(&shop_a, a), CloseKey::new(&shop_b, b)];
        let together = CloseResult::read_together(&store, &closes).unwrap();
        let rows = |t: &Option<Table>| t.as_ref().map(|t| (t.columns.clone(), t.rows.clone()));
        for (close, got) in closes.iter().zip(&together) {
            let (shop_id, close_seq) = (close.shop_id, close.close_seq);
            let alone = CloseResult::read(&store, shop_id, close_seq).unwrap();
            assert_eq!((&got.shop_id, got.close_seq), (&alone.shop_id, alone.close_seq));
            assert_eq!((&got.summary.columns, &got.summary.rows), (&alone.summary.columns, &alone.summary.rows));
            assert_eq!(rows(&got.exceptions), rows(&alone.exceptions), "{shop_id}");
            assert_eq!(rows(&got.transactions), rows(&alone.transactions), "{shop_id}");
        }
        let totals: Vec<usize> = together.iter().map(|r| r.summary.last_count("exception_count").unwrap()).collect();
        assert_eq!(totals, vec![0, 5, 0]);
        assert_eq!(together[0].summary.rows.len(), 1, "the empty close has its total row");
        assert_eq!(together[2].transactions.as_ref().map(|t| t.rows.len()), Some(4));

        // Written together, each close's files are byte for byte those it gets written alone.
        let labelled: Vec<(CloseKey<'_>, &str)> = closes.iter().map(|c| (*c, "P1")).collect();
        let written = write_reports_together(&store, &dir.path().join("together"), &labelled).unwrap();
        for (close, files) in closes.iter().zip(written) {
            let alone = write_reports(&store, &dir.path().join("alone"), close.shop_id, close.close_seq, "P1").unwrap();
            let pairs = [
                (files.summary, alone.summary),
                (files.exceptions, alone.exceptions),
                (files.transactions, alone.transactions),
            ];
            for (a, b) in pairs {
                assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap(), "{}", a.display());
            }
        }
    }

    #[test]
    fn totals_round_half_away_from_zero() {
        assert_eq!(format_amount(Decimal::new(1005, 3), Style::Display), "1.01");
        assert_eq!(format_amount(Decimal::new(-1005, 3), Style::Display), "-1.01");
        assert_eq!(format_amount(Decimal::new(1, 5), Style::Exact), "0.00001");
    }
}
