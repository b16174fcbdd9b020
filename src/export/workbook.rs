//! `report.xlsx`: the close for people who open it in a spreadsheet. Every
//! cell is a typed value, never a formula: references and ids are text (a
//! 25-digit ersReference stays 25 digits), amounts are numbers with two
//! decimals, times are date-times in the shop's zone. Each sheet has a frozen
//! header row with an autofilter.

use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono_tz::Tz;
use duckdb::types::Value;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format, FormatAlign, Workbook, Worksheet, XlsxError};

use super::{CloseRows, Table};
use crate::config::Shop;
use crate::store::{queries, Param, Store};

/// The workbook's file name in the close's folder.
pub const FILE_NAME: &str = "report.xlsx";

/// Excel's last row (0-based): a sheet holds 1,048,576 rows.
const LAST_ROW: u32 = 1_048_575;

/// The cell formats of a sheet.
struct Formats {
    header: Format,
    amount: Format,
    count: Format,
    time: Format,
    text: Format,
    /// Long sentences (`detail`, `action`) wrap in their column instead of running over the next.
    prose: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            header: Format::new().set_bold().set_background_color("#DDE4EE").set_align(FormatAlign::Top),
            amount: Format::new().set_num_format("#,##0.00"),
            count: Format::new().set_num_format("0"),
            time: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
            text: Format::new().set_num_format("@"),
            prose: Format::new().set_num_format("@").set_text_wrap().set_align(FormatAlign::Top),
        }
    }
}

/// Writes `{dir}/report.xlsx` of the close `rows` were read from (a close of
/// `shop`), through a temporary file and a rename, and returns its path. Without
/// `with_transactions` (a day too big to mail) the Transactions sheet only
/// points at `transactions.csv`, so the workbook stays small enough to attach.
pub(crate) fn write(
    store: &Store,
    dir: &Path,
    shop: &Shop,
    with_transactions: bool,
    rows: &CloseRows,
) -> anyhow::Result<PathBuf> {
    let mut workbook = Workbook::new();
    let formats = Formats::new();
    let closes = rows.closes();
    let params: [Param<'_>; 1] = [("closes", &closes)];
    for (name, sql, held, big) in [
        ("Summary", queries::SUMMARY_CSV, Some(&rows.summary), false),
        ("Exceptions", queries::EXCEPTIONS_CSV, rows.exceptions.as_ref(), false),
        ("Transactions", queries::TRANSACTIONS_CSV, rows.transactions.as_ref(), true),
    ] {
        // The big sheet is written row by row to disk instead of held in memory.
        let sheet = if big { workbook.add_worksheet_with_constant_memory()? } else { workbook.add_worksheet() };
        sheet.set_name(name)?;
        if big && !with_transactions {
            sheet.set_column_width(0, 90)?;
            sheet.write_string(
                0,
                0,
                "Too many rows to mail: every item of the close is in transactions.csv beside this file.",
            )?;
            continue;
        }
        let fill = Fill { sheet, tz: shop.tz(), f: &formats, row: 0, left_out: 0 };
        fill.rows(store, sql, &params, held).with_context(|| format!("writing sheet {name}"))?;
    }
    let path = dir.join(FILE_NAME);
    let tmp = dir.join(format!(".{FILE_NAME}.tmp"));
    workbook.save(&tmp).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}

/// One sheet being filled: a header row, then rows of typed cells.
struct Fill<'a> {
    sheet: &'a mut Worksheet,
    tz: Tz,
    f: &'a Formats,
    /// The last row written (0: the header).
    row: u32,
    /// Rows past Excel's last.
    left_out: u64,
}

impl Fill<'_> {
    /// Fills the sheet with the rows `held`, or else with the rows of `sql`, read one by one.
    fn rows(
        mut self,
        store: &Store,
        sql: &str,
        params: &[crate::store::Param<'_>],
        held: Option<&Table>,
    ) -> anyhow::Result<()> {
        let columns = match held {
            Some(table) => {
                table.rows.iter().try_for_each(|values| self.row(&table.columns, values))?;
                table.columns.clone()
            }
            None => store.for_each_row(sql, params, |columns, values| self.row(columns, values))?,
        };
        self.finish(&columns)
    }

    fn row(&mut self, columns: &[String], values: &[Value]) -> anyhow::Result<()> {
        if self.row == 0 {
            header(self.sheet, columns, self.tz, self.f)?;
        }
        if self.row == LAST_ROW {
            self.left_out += 1;
            return Ok(());
        }
        self.row += 1;
        for (col, (value, column)) in values.iter().zip(columns).enumerate() {
            cell(self.sheet, self.row, col as u16, value, column, self.tz, self.f)?;
        }
        Ok(())
    }

    /// The header if no row came, the note of rows left out, and the sheet's settings.
    fn finish(self, columns: &[String]) -> anyhow::Result<()> {
        let (sheet, row) = (self.sheet, self.row);
        if row == 0 {
            header(sheet, columns, self.tz, self.f)?;
        }
        if self.left_out > 0 {
            // A day of over a million items: the CSV has them all.
            sheet.write_string(row, 0, format!("… and {} more rows: see transactions.csv", self.left_out))?;
        }
        sheet.set_freeze_panes(1, 0)?;
        // Printed (or saved as PDF): landscape, the header row on every page.
        sheet.set_landscape();
        sheet.set_repeat_rows(0, 0)?;
        sheet.autofilter(0, 0, row, columns.len().saturating_sub(1) as u16)?;
        Ok(())
    }
}

/// The header row, and each column's width from what it holds.
fn header(sheet: &mut Worksheet, columns: &[String], tz: Tz, f: &Formats) -> Result<(), XlsxError> {
    for (col, name) in columns.iter().enumerate() {
        let col = col as u16;
        let title = if is_time(name) { format!("{name} ({})", tz.name()) } else { name.clone() };
        sheet.write_string_with_format(0, col, &title, &f.header)?;
        sheet.set_column_width(col, width(name))?;
    }
    Ok(())
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
        "period_id" | "ers_reference" | "label_period_id" => 27.0,
        "terminal_id" => 34.0,
        c if is_time(c) => 20.0,
        c if c.ends_with("_name") || c == "category" => 24.0,
        c if c.ends_with("_count") => 10.0,
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
            let d: rust_decimal::Decimal = (*d).try_into().unwrap_or_default();
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
