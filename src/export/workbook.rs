//! `report.xlsx`: the close as a report for people who open or print it.
//! Sheets: To do (the email's list, with a blank column for the accountant's
//! notes), All exceptions (with age and state), Summary and Transactions.
//! Each sheet names the shop, the period (in the shop's zone) and the
//! currency at the top, has human headers (the CSVs keep the machine names),
//! a frozen header row with an autofilter, and prints landscape, one page
//! wide, the header rows on every page. Every cell is a typed value, never a
//! formula: references and ids are text (a 25-digit ersReference stays 25
//! digits), amounts are numbers with two decimals, times are date-times in
//! the shop's zone.

use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use duckdb::types::Value;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, FormatAlign, Workbook, Worksheet, XlsxError};

use super::todo::{Agenda, Entry, Span};
use super::{CloseResult, Table};
use crate::config::Shop;
use crate::domain::CloseKey;
use crate::store::files::CloseFile;
use crate::store::Store;

/// The workbook's file name in the close's folder.
pub const FILE_NAME: &str = "report.xlsx";

/// Excel's last row (0-based): a sheet holds 1,048,576 rows.
const LAST_ROW: u32 = 1_048_575;

/// The row of the column headers: the sheet's title is above it.
const HEADER_ROW: u32 = 1;

/// What the top of every sheet says.
pub(crate) struct Heading<'a> {
    /// The shop.
    pub shop: &'a Shop,
    /// The close's period id.
    pub period_id: &'a str,
    /// The time the close covers.
    pub span: Span,
}

impl Heading<'_> {
    /// `Shop 1 (shop-1) · Sat 21 Nov 2026 22:00 – Sun 22 Nov 2026 22:00 (Europe/Stockholm) · period … · amounts in SEK`.
    fn title(&self, sheet: &str) -> String {
        format!(
            "{sheet} · {} ({}) · {} · period {} · amounts in {}",
            self.shop.name,
            self.shop.id,
            self.span.long(),
            self.period_id,
            self.shop.currency
        )
    }
}

/// The cell formats of a sheet.
struct Formats {
    title: Format,
    header: Format,
    amount: Format,
    count: Format,
    time: Format,
    text: Format,
    /// Long sentences (`detail`, `action`) wrap in their column instead of running over the next.
    prose: Format,
    total: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            title: Format::new().set_bold().set_font_size(12),
            header: Format::new()
                .set_bold()
                .set_background_color("#DDE4EE")
                .set_align(FormatAlign::Top)
                .set_text_wrap(),
            amount: Format::new().set_num_format("#,##0.00").set_align(FormatAlign::Top),
            count: Format::new().set_num_format("0").set_align(FormatAlign::Top),
            time: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss").set_align(FormatAlign::Top),
            text: Format::new().set_num_format("@").set_align(FormatAlign::Top),
            prose: Format::new().set_num_format("@").set_text_wrap().set_align(FormatAlign::Top),
            total: Format::new().set_bold().set_num_format("#,##0.00"),
        }
    }
}

/// Writes `{dir}/report.xlsx` of the close `rows` were read from, through a
/// temporary file and a rename, and returns its path. Without
/// `with_transactions` (a day too big to mail) the Transactions sheet only
/// points at `transactions.csv`, so the workbook stays small enough to attach.
pub(crate) fn write(
    store: &Store,
    dir: &Path,
    heading: &Heading<'_>,
    with_transactions: bool,
    rows: &CloseResult,
    agenda: &Agenda<'_>,
) -> anyhow::Result<PathBuf> {
    let mut workbook = Workbook::new();
    let f = Formats::new();
    let tz = heading.span.tz;
    // Written row by row to disk, as a close of many exceptions would hold them all twice.
    let to_do = workbook.add_worksheet_with_constant_memory()?.set_name("To do")?;
    items_sheet(to_do, heading, &f, &TO_DO, agenda.to_act.iter(), agenda.items() - agenda.to_act.len() as i64)?;
    let all = workbook.add_worksheet_with_constant_memory()?.set_name("All exceptions")?;
    let beyond = rows.todo.beyond.0;
    items_sheet(all, heading, &f, &ALL_EXCEPTIONS, agenda.all.iter(), beyond)?;
    let close = rows.close();
    for (name, file, held, big) in [
        ("Summary", CloseFile::Summary, Some(&rows.summary), false),
        ("Transactions", CloseFile::Transactions, rows.transactions.as_ref(), true),
    ] {
        // The big sheet is written row by row to disk instead of held in memory.
        let sheet = if big { workbook.add_worksheet_with_constant_memory()? } else { workbook.add_worksheet() };
        sheet.set_name(name)?;
        sheet.write_string_with_format(0, 0, heading.title(name), &f.title)?;
        if big && !with_transactions {
            sheet.write_string(
                HEADER_ROW,
                0,
                "Too many rows to mail: every item of the close is in transactions.csv beside this file.",
            )?;
            continue;
        }
        let fill = Fill { sheet, tz, f: &f, row: HEADER_ROW, left_out: 0, total_last: !big };
        fill.rows(store, file, &close, held).with_context(|| format!("writing sheet {name}"))?;
    }
    let path = dir.join(FILE_NAME);
    let tmp = dir.join(format!(".{FILE_NAME}.tmp"));
    workbook.save(&tmp).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}

/// One value of an item sheet.
enum ItemCell {
    Text(String),
    Prose(String),
    Amount(Option<Decimal>),
    Count(i64),
    Time(Option<DateTime<Utc>>),
}

/// A column of an item sheet: its header, width, and value of an entry.
type ItemColumn = (&'static str, f64, fn(&Entry<'_>, usize) -> ItemCell);

/// The To do sheet: the email's list, and a column for the accountant's notes.
/// Narrow enough to print one page wide at a readable size.
const TO_DO: [ItemColumn; 9] = [
    ("#", 4.0, |_, i| ItemCell::Count(i as i64 + 1)),
    ("At risk", 10.0, |e, _| ItemCell::Amount(Some(e.item.at_risk))),
    ("Category", 21.0, |e, _| ItemCell::Text(e.item.category.to_string())),
    ("Open", 22.0, |e, _| {
        ItemCell::Prose(e.standing().map_or_else(|| e.age(), |standing| format!("{}; {standing}", e.age())))
    }),
    ("Where and when", 22.0, |e, _| ItemCell::Prose(e.where_and_when())),
    ("Reference", 27.0, |e, _| ItemCell::Text(e.item.reference.clone().unwrap_or_default())),
    ("What happened", 34.0, |e, _| ItemCell::Prose(format!("{}: {}", e.amounts(), e.item.detail))),
    ("To do", 42.0, |e, _| ItemCell::Prose(e.item.action.clone())),
    ("Notes", 20.0, |_, _| ItemCell::Text(String::new())),
];

/// The All exceptions sheet: every exception of the close, with its age and state.
const ALL_EXCEPTIONS: [ItemColumn; 14] = [
    ("At risk", 12.0, |e, _| ItemCell::Amount(Some(e.item.at_risk))),
    ("Category", 22.0, |e, _| ItemCell::Text(e.item.category.to_string())),
    ("State", 18.0, |e, _| ItemCell::Text(e.state_words())),
    ("Open", 18.0, |e, _| ItemCell::Text(e.age())),
    ("First seen", 18.0, |e, _| ItemCell::Time(e.item.first_seen_at)),
    ("Terminal", 18.0, |e, _| ItemCell::Text(e.terminal().to_string())),
    ("Cashier", 12.0, |e, _| ItemCell::Text(e.item.cashier_id.clone().unwrap_or_default())),
    ("Till time", 18.0, |e, _| ItemCell::Time(e.item.posted_at)),
    ("Reference", 28.0, |e, _| ItemCell::Text(e.item.reference.clone().unwrap_or_default())),
    ("Till amount", 12.0, |e, _| ItemCell::Amount(e.item.local_amount)),
    ("SEQR amount", 12.0, |e, _| ItemCell::Amount(e.item.seqr_amount)),
    ("Difference (till − SEQR)", 14.0, |e, _| ItemCell::Amount(e.item.difference)),
    ("What happened", 45.0, |e, _| ItemCell::Prose(e.item.detail.clone())),
    ("Standing", 30.0, |e, _| ItemCell::Prose(e.standing().unwrap_or_default())),
];

/// A sheet of items, one per row, with a last line saying how many more the
/// CSV has when the list held fewer.
fn items_sheet<'e, 'a: 'e>(
    sheet: &mut Worksheet,
    heading: &Heading<'_>,
    f: &Formats,
    columns: &[ItemColumn],
    entries: impl Iterator<Item = &'e Entry<'a>>,
    more: i64,
) -> anyhow::Result<()> {
    let tz = heading.span.tz;
    sheet.write_string_with_format(0, 0, heading.title(sheet.name().as_str()), &f.title)?;
    for (col, (name, width, _)) in columns.iter().enumerate() {
        let title = if name.ends_with("time") || *name == "First seen" {
            format!("{name} ({})", tz.name())
        } else {
            (*name).into()
        };
        sheet.write_string_with_format(HEADER_ROW, col as u16, title, &f.header)?;
        sheet.set_column_width(col as u16, *width)?;
    }
    sheet.set_row_height(HEADER_ROW, 30)?;
    let mut row = HEADER_ROW;
    for (i, entry) in entries.enumerate() {
        row += 1;
        let mut lines = 1;
        for (col, (_, width, value)) in columns.iter().enumerate() {
            let col = col as u16;
            match value(entry, i) {
                ItemCell::Text(t) => {
                    sheet.write_string_with_format(row, col, fit_cell(&t), &f.text)?;
                }
                ItemCell::Prose(t) => {
                    lines = lines.max(lines_of(&t, *width));
                    sheet.write_string_with_format(row, col, fit_cell(&t), &f.prose)?;
                }
                ItemCell::Amount(a) => amount(sheet, row, col, a, &f.amount)?,
                ItemCell::Count(n) => {
                    sheet.write_number_with_format(row, col, n as f64, &f.count)?;
                }
                ItemCell::Time(t) => time(sheet, row, col, t, tz, f)?,
            }
        }
        fit_row(sheet, row, lines)?;
    }
    settings(sheet, row, columns.len())?;
    if more > 0 {
        sheet.write_string(row + 2, 0, format!("… and {more} more: exceptions.csv has them all"))?;
    }
    Ok(())
}

/// How many lines `text` takes wrapped in a column `width` characters wide.
fn lines_of(text: &str, width: f64) -> usize {
    let per_line = (width * 1.1).max(1.0) as usize;
    text.lines().map(|l| l.chars().count().div_ceil(per_line).max(1)).sum::<usize>().clamp(1, 40)
}

/// Makes a row tall enough for its wrapped text (spreadsheets do not grow
/// rows of a written file by themselves).
fn fit_row(sheet: &mut Worksheet, row: u32, lines: usize) -> Result<(), XlsxError> {
    if lines > 1 {
        sheet.set_row_height(row, 15.0 * lines as f64)?;
    }
    Ok(())
}

/// Frozen headers, the autofilter over `last_row`, and the print setup:
/// landscape, one page wide, the title and header rows on every page.
fn settings(sheet: &mut Worksheet, last_row: u32, columns: usize) -> Result<(), XlsxError> {
    sheet.set_freeze_panes(HEADER_ROW + 1, 0)?;
    sheet.autofilter(HEADER_ROW, 0, last_row, columns.saturating_sub(1) as u16)?;
    sheet.set_landscape();
    sheet.set_paper_size(9);
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(0, HEADER_ROW)?;
    Ok(())
}

fn amount(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    amount: Option<Decimal>,
    format: &Format,
) -> Result<(), XlsxError> {
    if let Some(a) = amount {
        // A spreadsheet number is a double; the exact amount is in the CSVs and the database.
        sheet.write_number_with_format(row, col, a.to_f64().unwrap_or_default(), format)?;
    }
    Ok(())
}

fn time(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    at: Option<DateTime<Utc>>,
    tz: Tz,
    f: &Formats,
) -> Result<(), XlsxError> {
    if let Some(t) = at {
        sheet.write_datetime_with_format(row, col, t.with_timezone(&tz).naive_local(), &f.time)?;
    }
    Ok(())
}

/// One sheet being filled: a header row, then rows of typed cells.
struct Fill<'a> {
    sheet: &'a mut Worksheet,
    tz: Tz,
    f: &'a Formats,
    /// The last row written (`HEADER_ROW`: none yet).
    row: u32,
    /// Rows past Excel's last.
    left_out: u64,
    /// The last row is the total (the summary's): it goes below the filtered rows, labelled.
    total_last: bool,
}

impl Fill<'_> {
    /// Fills the sheet with the rows `held`, or else with `file`'s rows of `closes`, read one by one.
    fn rows(
        mut self,
        store: &Store,
        file: CloseFile,
        closes: &[CloseKey<'_>],
        held: Option<&Table>,
    ) -> anyhow::Result<()> {
        let (columns, total) = match held {
            Some(table) => {
                let (body, total) = match table.rows.split_last() {
                    Some((last, body)) if self.total_last => (body, Some(last)),
                    _ => (table.rows.as_slice(), None),
                };
                body.iter().try_for_each(|values| self.row(&table.columns, values))?;
                (table.columns.clone(), total)
            }
            None => (store.close_file_rows(file, closes, |columns, values| self.row(columns, values))?, None),
        };
        self.finish(&columns, total)
    }

    fn row(&mut self, columns: &[String], values: &[Value]) -> anyhow::Result<()> {
        if self.row == HEADER_ROW {
            header(self.sheet, columns, self.tz, self.f)?;
        }
        if self.row == LAST_ROW {
            self.left_out += 1;
            return Ok(());
        }
        self.row += 1;
        let mut lines = 1;
        for (col, (value, column)) in values.iter().zip(columns).enumerate() {
            if let (true, Value::Text(t)) = (is_prose(column), value) {
                lines = lines.max(lines_of(t, width(column)));
            }
            cell(self.sheet, self.row, col as u16, value, column, self.tz, self.f)?;
        }
        fit_row(self.sheet, self.row, lines)?;
        Ok(())
    }

    /// The header if no row came, the labelled total below the filtered rows,
    /// the note of rows left out, and the sheet's settings.
    fn finish(self, columns: &[String], total: Option<&Vec<Value>>) -> anyhow::Result<()> {
        let (sheet, row) = (self.sheet, self.row);
        if row == HEADER_ROW {
            header(sheet, columns, self.tz, self.f)?;
        }
        settings(sheet, row, columns.len())?;
        if let Some(values) = total {
            // A blank row between: sorting or filtering the rows above never moves it.
            let at = row + 2;
            for (col, (value, column)) in values.iter().zip(columns).enumerate() {
                match value {
                    Value::Decimal(d) => {
                        let d: Decimal = (*d).try_into().unwrap_or_default();
                        amount(sheet, at, col as u16, Some(d), &self.f.total)?;
                    }
                    _ => cell(sheet, at, col as u16, value, column, self.tz, self.f)?,
                }
            }
            let label = columns.iter().position(|c| c == "terminal_id").unwrap_or(0) as u16;
            sheet.write_string_with_format(at, label, "Total, all terminals", &self.f.title)?;
        }
        if self.left_out > 0 {
            // A day of over a million items: the CSV has them all.
            sheet.write_string(row, 0, format!("… and {} more rows: see transactions.csv", self.left_out))?;
        }
        Ok(())
    }
}

/// The header row, in words (the CSVs keep the machine names), and each
/// column's width from what it holds.
fn header(sheet: &mut Worksheet, columns: &[String], tz: Tz, f: &Formats) -> Result<(), XlsxError> {
    sheet.set_row_height(HEADER_ROW, 30)?;
    for (col, name) in columns.iter().enumerate() {
        let col = col as u16;
        let words = human(name);
        let title = if is_time(name) { format!("{words} ({})", tz.name()) } else { words };
        sheet.write_string_with_format(HEADER_ROW, col, &title, &f.header)?;
        sheet.set_column_width(col, width(name))?;
    }
    Ok(())
}

/// A column's header in words: `seqr_count` is `SEQR sales`.
fn human(column: &str) -> String {
    let words = match column {
        "shop_id" => "Shop id",
        "shop_name" => "Shop",
        "period_id" => "Period",
        "terminal_id" => "Terminal id",
        "terminal_name" => "Terminal",
        "cashier_id" => "Cashier",
        "ers_reference" => "ersReference",
        "invoice_reference" => "Invoice reference",
        "local_amount" => "Till amount",
        "seqr_amount" => "SEQR amount",
        "difference" => "Difference (till − SEQR)",
        "posted_at" => "Till time",
        "detail" => "What happened",
        "action" => "To do",
        "seqr_count" => "SEQR sales",
        "seqr_total" => "SEQR total",
        "local_count" => "Till posts",
        "local_total" => "Till total",
        "matched_count" => "Matched",
        "exception_count" => "Exceptions",
        "carried_over_count" => "Carried over from earlier periods",
        "carried_over_seqr_total" => "Carried over, SEQR total",
        "carried_over_local_total" => "Carried over, till total",
        other => {
            let spaced = other.replace('_', " ");
            let mut chars = spaced.chars();
            return chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default();
        }
    };
    words.into()
}

fn is_prose(column: &str) -> bool {
    matches!(column, "detail" | "action")
}

fn is_time(column: &str) -> bool {
    column.ends_with("_at")
}

/// A width that shows the column's usual content whole.
fn width(column: &str) -> f64 {
    match column {
        c if is_prose(c) => 60.0,
        "period_id" | "ers_reference" | "invoice_reference" | "label_period_id" => 28.0,
        "terminal_id" => 34.0,
        c if is_time(c) => 20.0,
        c if c.ends_with("_name") || c == "category" => 24.0,
        c if c.ends_with("_count") => 11.0,
        _ => 16.0,
    }
}

/// One typed cell. Text is always written as text, so nothing in it can run
/// as a formula; SQL NULL is an empty cell.
fn cell(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    value: &Value,
    column: &str,
    tz: Tz,
    f: &Formats,
) -> Result<(), XlsxError> {
    match value {
        Value::Null => {}
        Value::Text(s) => {
            let format = if is_prose(column) { &f.prose } else { &f.text };
            sheet.write_string_with_format(row, col, fit_cell(s), format)?;
        }
        Value::Decimal(d) => {
            // A spreadsheet number is a double; the exact amount is in the CSVs and the database.
            let d: Decimal = (*d).try_into().unwrap_or_default();
            sheet.write_number_with_format(row, col, d.to_f64().unwrap_or_default(), &f.amount)?;
        }
        Value::BigInt(n) => {
            sheet.write_number_with_format(row, col, *n as f64, &f.count)?;
        }
        Value::Int(n) => {
            sheet.write_number_with_format(row, col, f64::from(*n), &f.count)?;
        }
        Value::Boolean(b) => {
            sheet.write_boolean(row, col, *b)?;
        }
        Value::Timestamp(unit, v) => {
            if let Some(t) = super::timestamp(*unit, *v) {
                let local = t.with_timezone(&tz).naive_local();
                sheet.write_datetime_with_format(row, col, local, &f.time)?;
            }
        }
        other => {
            let text = crate::export::cell_text(other, column).unwrap_or_default();
            sheet.write_string_with_format(row, col, fit_cell(&text), &f.text)?;
        }
    }
    Ok(())
}

/// The most characters a spreadsheet cell holds (Excel's limit).
const CELL_MAX_CHARS: usize = 32_767;

/// `text` as a cell can hold it: a longer text is cut, saying so, so that a
/// 40,000-character cashier from SEQR never stops a report (the CSVs keep it whole).
fn fit_cell(text: &str) -> std::borrow::Cow<'_, str> {
    let chars = text.chars().count();
    if chars <= CELL_MAX_CHARS {
        return text.into();
    }
    let note = format!(" … [cut: {chars} characters; the CSV has the whole text]");
    let kept: String = text.chars().take(CELL_MAX_CHARS - note.chars().count()).collect();
    format!("{kept}{note}").into()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_text_longer_than_a_cell_holds_is_cut_visibly() {
        let long = "é".repeat(40_000);
        let fitted = super::fit_cell(&long);
        assert_eq!(fitted.chars().count(), super::CELL_MAX_CHARS);
        assert!(fitted.ends_with("[cut: 40000 characters; the CSV has the whole text]"));
        assert_eq!(super::fit_cell("anna"), "anna");
    }
}
