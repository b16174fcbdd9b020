//! Report documents (`executeReport`'s `contentString` or base64 `content`) → typed rows.
//!
//! A streaming pass over the XML: `Meta` and `Row` elements are read wherever
//! they stand, whatever the root is called or however it is closed, and a row
//! is a detail row (`SalesAmount`, `ErsReference`) or a summary row
//! (`SalesCount`, `SalesTotal`) by what it holds, in any report.

use std::borrow::Cow;
use std::str::FromStr;

use base64::Engine;
use chrono::NaiveDateTime;
use quick_xml::events::Event;
use quick_xml::Reader;
use rust_decimal::Decimal;

use crate::domain::ids::{check_ers_reference, check_plain_id};

/// The report's `Meta` block.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportMeta {
    /// The reseller the report is for, when it says.
    pub reseller_id: Option<String>,
    /// The terminal, for a terminal report.
    pub terminal_id: Option<String>,
    /// The period the report covers.
    pub period_id: Option<String>,
    /// `GeneratedAt`: minutes only, no time zone.
    pub generated_at: Option<NaiveDateTime>,
}

/// One transaction as SEQR recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailRow {
    /// The terminal of the sale, when the report names one.
    pub terminal_id: Option<String>,
    /// `None` when the report says `NULL` or nothing.
    pub cashier_id: Option<String>,
    /// What was paid (negative for a refund).
    pub amount: Decimal,
    /// SEQR's reference of the payment or refund.
    pub ers_reference: String,
}

/// A count and total, for the terminal named or for the whole report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    /// The terminal, when the row is per terminal.
    pub terminal_id: Option<String>,
    /// Sales counted.
    pub count: u64,
    /// Their total.
    pub total: Decimal,
}

/// A parsed report.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    /// The report's Meta.
    pub meta: ReportMeta,
    /// Detail rows (one per payment or refund).
    pub details: Vec<DetailRow>,
    /// Summary rows (counts and totals).
    pub summaries: Vec<SummaryRow>,
}

/// A report that could not be read, with where.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("report {report_id} for period {period_id}: {what} (at byte {position}, line {line})")]
pub struct ReportError {
    /// The report.
    pub report_id: String,
    /// The period it was fetched for.
    pub period_id: String,
    /// Byte offset in the report's XML.
    pub position: u64,
    /// Line in the report's XML.
    pub line: usize,
    /// What is wrong.
    pub what: String,
}

impl ReportError {
    /// An error about the report as a whole, or at a byte of the SOAP answer (no line).
    pub fn at(report_id: &str, period_id: &str, position: u64, what: String) -> ReportError {
        ReportError { report_id: report_id.into(), period_id: period_id.into(), position, line: 0, what }
    }
}

/// The report document inside an executeReport answer: `contentString` when
/// present and not blank, else the base64 `content` decoded. Read from the raw
/// SOAP body: a CDATA `contentString` is borrowed, not copied, and the base64
/// copy is decoded only when there is no `contentString`.
fn report_text<'a>(body: &'a str, report_id: &str, period_id: &str) -> Result<Cow<'a, str>, ReportError> {
    let fail = |position: u64, what: String| ReportError::at(report_id, period_id, position, what);
    let mut reader = Reader::from_str(body);
    reader.config_mut().check_end_names = false;
    // Which of the two elements is open, and its text so far.
    let mut open: Option<bool> = None;
    let mut text: Option<Cow<'a, str>> = None;
    let (mut content_string, mut content) = (None, None);
    let append = |text: &mut Option<Cow<'a, str>>, piece: Cow<'a, str>| match text {
        None => *text = Some(piece),
        Some(t) => t.to_mut().push_str(&piece),
    };
    let utf8 = |bytes: Cow<'a, [u8]>| -> Result<Cow<'a, str>, String> {
        match bytes {
            Cow::Borrowed(b) => std::str::from_utf8(b).map(Cow::Borrowed).map_err(|e| e.to_string()),
            Cow::Owned(b) => String::from_utf8(b).map(Cow::Owned).map_err(|e| e.to_string()),
        }
    };
    loop {
        let event = reader
            .read_event()
            .map_err(|e| fail(reader.error_position(), format!("the SOAP answer is not well-formed XML: {e}")))?;
        match event {
            Event::Start(e) => match e.local_name().as_ref() {
                b"contentString" => open = Some(true),
                b"content" => open = Some(false),
                _ => {}
            },
            Event::CData(t) if open.is_some() => {
                append(&mut text, utf8(t.into_inner()).map_err(|e| fail(reader.buffer_position(), e))?);
            }
            Event::Text(t) if open.is_some() => {
                append(&mut text, utf8(t.into_inner()).map_err(|e| fail(reader.buffer_position(), e))?);
            }
            Event::GeneralRef(r) if open.is_some() => {
                let c = super::soap::resolve_reference(&r, reader.buffer_position())
                    .map_err(|e| fail(e.position, e.what))?;
                append(&mut text, Cow::Owned(c.to_string()));
            }
            Event::End(_) if open.is_some() => {
                let t = text.take().filter(|t| !t.trim().is_empty());
                if open == Some(true) {
                    content_string = content_string.or(t);
                } else {
                    content = content.or(t);
                }
                open = None;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    match (content_string, content) {
        (Some(s), _) => Ok(s),
        (None, Some(b64)) => decode_content(&b64).map(Cow::Owned).map_err(|what| fail(0, what)),
        (None, None) => Err(fail(0, "the response holds neither contentString nor content".into())),
    }
}

/// The report in `content`: base64 (whitespace allowed) of UTF-8 text.
fn decode_content(b64: &str) -> Result<String, String> {
    let cleaned: String = b64.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(cleaned)
        .map_err(|e| format!("content is not valid base64: {e}"))?;
    String::from_utf8(bytes).map_err(|e| format!("content is not UTF-8: {e}"))
}

/// [`report_text`] made from the answer's body in place: the report is moved
/// to the front of the body's own buffer and the rest (the SOAP envelope and
/// the base64 `content`, a third larger than the report) is freed before the
/// report is parsed, so a 400 MB answer does not stay in memory beside its
/// parsed rows.
pub fn into_report_text(mut body: String, report_id: &str, period_id: &str) -> Result<String, ReportError> {
    let within = match report_text(&body, report_id, period_id)? {
        Cow::Owned(decoded) => return Ok(decoded),
        Cow::Borrowed(text) => {
            let start = text.as_ptr() as usize - body.as_ptr() as usize;
            start..start + text.len()
        }
    };
    body.truncate(within.end);
    body.drain(..within.start);
    body.shrink_to_fit();
    Ok(body)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    None,
    ResellerId,
    TerminalId,
    PeriodId,
    GeneratedAt,
    CashierId,
    SalesAmount,
    ErsReference,
    SalesCount,
    SalesTotal,
}

fn field_of(name: &[u8]) -> Field {
    match name {
        b"ResellerId" => Field::ResellerId,
        b"TerminalId" => Field::TerminalId,
        b"TransactionPeriodId" => Field::PeriodId,
        b"GeneratedAt" => Field::GeneratedAt,
        b"CashierId" => Field::CashierId,
        b"SalesAmount" => Field::SalesAmount,
        b"ErsReference" => Field::ErsReference,
        b"SalesCount" => Field::SalesCount,
        b"SalesTotal" => Field::SalesTotal,
        _ => Field::None,
    }
}

#[derive(Default)]
struct RowAcc {
    terminal_id: Option<String>,
    cashier_id: Option<String>,
    amount: Option<Decimal>,
    ers_reference: Option<String>,
    count: Option<u64>,
    total: Option<Decimal>,
}

/// Parses one report. `report_id` and `period_id` only label errors.
pub fn parse_report(xml: &str, report_id: &str, period_id: &str) -> Result<Report, ReportError> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = false;
    let fail = |pos: u64, what: String| ReportError {
        report_id: report_id.into(),
        period_id: period_id.into(),
        position: pos,
        line: 1 + xml.as_bytes()[..(pos as usize).min(xml.len())].iter().filter(|b| **b == b'\n').count(),
        what,
    };

    // A detail row takes about 200 bytes of report text: reserve once, not by doubling.
    let report = Report { details: Vec::with_capacity(xml.len() / 256), ..Report::default() };
    let mut r = Reading {
        report,
        depth: 0,
        seen_root: false,
        in_meta: false,
        row: None,
        field: Field::None,
        text: String::new(),
    };
    loop {
        let event =
            reader.read_event().map_err(|e| fail(reader.error_position(), format!("not well-formed XML: {e}")))?;
        // Only errors need the position; taking it is cheap but not free on every event.
        let pos = || reader.buffer_position();
        match event {
            Event::Start(e) => r.start(e.local_name().as_ref()).map_err(|what| fail(pos(), what))?,
            Event::Empty(e) => r.empty(e.local_name().as_ref()),
            Event::Text(t) if r.field != Field::None => {
                r.text.push_str(&t.decode().map_err(|e| fail(pos(), e.to_string()))?);
            }
            Event::CData(t) if r.field != Field::None => {
                r.text.push_str(&t.decode().map_err(|e| fail(pos(), e.to_string()))?);
            }
            Event::GeneralRef(g) => {
                let c = super::soap::resolve_reference(&g, pos()).map_err(|e| fail(pos(), e.what))?;
                if r.field != Field::None {
                    r.text.push(c);
                }
            }
            Event::End(e) => {
                let root_closed = r.end(e.local_name().as_ref()).map_err(|what| fail(pos(), what))?;
                if root_closed {
                    let root_closed_at = pos();
                    return expect_only_trailing_markup(&mut reader, root_closed_at)
                        .map(|()| r.report)
                        .map_err(|(at, what)| fail(at, what));
                }
            }
            Event::Eof => return Err(fail(pos(), r.truncated())),
            _ => {}
        }
    }
}

/// Where reading a report stands.
struct Reading {
    report: Report,
    depth: usize,
    seen_root: bool,
    in_meta: bool,
    /// The row open, if any.
    row: Option<RowAcc>,
    /// The field open, if any, and its text so far.
    field: Field,
    text: String,
}

impl Reading {
    /// An element opens.
    fn start(&mut self, name: &[u8]) -> Result<(), String> {
        if self.depth == 0 && matches!(name, b"Row" | b"Meta") {
            return Err("rows with no root element: the report must be one element around them".into());
        }
        self.depth += 1;
        self.seen_root = true;
        match name {
            b"Meta" => self.in_meta = true,
            b"Row" => {
                if self.row.is_some() {
                    return Err("a <Row> opens inside another <Row>".into());
                }
                self.row = Some(RowAcc::default());
            }
            name if self.in_meta || self.row.is_some() => {
                self.field = field_of(name);
                self.text.clear();
            }
            _ => {}
        }
        Ok(())
    }

    /// An empty element: `<CashierId/>` is no cashier.
    fn empty(&mut self, name: &[u8]) {
        self.seen_root = true;
        if let Some(r) = self.row.as_mut() {
            if field_of(name) == Field::CashierId {
                r.cashier_id = None;
            }
        }
    }

    /// An element closes: whether it was the root.
    fn end(&mut self, name: &[u8]) -> Result<bool, String> {
        self.depth = self.depth.saturating_sub(1);
        if self.field != Field::None {
            let meta = self.in_meta && self.row.is_none();
            store_field(self.field, self.text.trim(), meta, &mut self.report.meta, self.row.as_mut())?;
            self.field = Field::None;
        } else if name == b"Row" {
            let acc = self.row.take().ok_or_else(|| "</Row> without <Row>".to_string())?;
            finish_row(acc, &mut self.report)?;
        } else if name == b"Meta" {
            self.in_meta = false;
        }
        Ok(self.depth == 0)
    }

    /// What the document lacks when it ends before its root element closes.
    fn truncated(&self) -> String {
        if !self.seen_root {
            "the report is empty".to_string()
        } else if self.row.is_some() {
            format!("truncated inside row {}", self.report.details.len() + self.report.summaries.len() + 1)
        } else {
            "truncated: the document ends before its root element closes".to_string()
        }
    }
}

/// After the root element closes, only whitespace, comments and processing
/// instructions may follow. Anything else means the structure ended early (a
/// stray close tag before the rows): reading on would silently drop rows.
fn expect_only_trailing_markup(reader: &mut Reader<&[u8]>, root_closed_at: u64) -> Result<(), (u64, String)> {
    loop {
        let event = reader
            .read_event()
            .map_err(|e| (reader.error_position(), format!("not well-formed XML after the root element: {e}")))?;
        match event {
            Event::Eof => return Ok(()),
            Event::Comment(_) | Event::PI(_) => {}
            Event::Text(t) if t.iter().all(u8::is_ascii_whitespace) => {}
            other => {
                let what = match other {
                    Event::Start(e) | Event::Empty(e) => {
                        format!("<{}>", String::from_utf8_lossy(e.local_name().as_ref()))
                    }
                    Event::End(e) => format!("</{}>", String::from_utf8_lossy(e.local_name().as_ref())),
                    _ => "text".to_string(),
                };
                return Err((
                    reader.buffer_position(),
                    format!(
                        "{what} after the report's root element closed at byte {root_closed_at}: the report's \
                         structure ends early (a stray close tag?), so its rows cannot be trusted"
                    ),
                ));
            }
        }
    }
}

/// Checks that a report is the one asked for: its `Meta` names the period,
/// the terminal (when one was asked for) and the reseller (when the report
/// names one and the caller is a reseller user).
pub fn check_meta(
    report: &Report,
    report_id: &str,
    period_id: &str,
    terminal_id: Option<&str>,
    reseller_id: Option<&str>,
) -> Result<(), ReportError> {
    let fail = |what: String| ReportError::at(report_id, period_id, 0, what);
    let m = &report.meta;
    match m.period_id.as_deref() {
        Some(p) if p == period_id => {}
        Some(p) => return Err(fail(format!("SEQR sent the report of period {p} instead; it is not used"))),
        None => {
            return Err(fail(
                "the report's Meta names no TransactionPeriodId, so it cannot be tied to the period".into(),
            ))
        }
    }
    if let Some(asked) = terminal_id {
        if m.terminal_id.as_deref() != Some(asked) {
            return Err(fail(format!(
                "asked for terminal {asked}, the report's Meta names {}; it is not used",
                m.terminal_id.as_deref().unwrap_or("no terminal")
            )));
        }
    }
    if let (Some(asked), Some(named)) = (reseller_id, m.reseller_id.as_deref()) {
        if asked != named {
            return Err(fail(format!("the report is reseller {named}'s, not {asked}'s; it is not used")));
        }
    }
    Ok(())
}

fn store_field(
    field: Field,
    value: &str,
    meta_context: bool,
    meta: &mut ReportMeta,
    row: Option<&mut RowAcc>,
) -> Result<(), String> {
    let some = |v: &str| (!v.is_empty()).then(|| v.to_string());
    if let Some(r) = row {
        match field {
            Field::TerminalId => r.terminal_id = some(value),
            Field::CashierId => r.cashier_id = some(value).filter(|v| v != "NULL"),
            Field::SalesAmount => r.amount = Some(decimal("SalesAmount", value)?),
            Field::ErsReference => r.ers_reference = some(value),
            Field::SalesCount => {
                r.count = Some(value.parse().map_err(|_| format!("SalesCount {value:?} is not a whole number"))?);
            }
            Field::SalesTotal => r.total = Some(decimal("SalesTotal", value)?),
            _ => {}
        }
    } else if meta_context {
        match field {
            Field::ResellerId => meta.reseller_id = some(value),
            Field::TerminalId => meta.terminal_id = some(value),
            Field::PeriodId => meta.period_id = some(value),
            Field::GeneratedAt if !value.is_empty() => {
                meta.generated_at = Some(
                    NaiveDateTime::parse_from_str(value, "%Y-%m-%d %H:%M")
                        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%d %H:%M:%S"))
                        .map_err(|_| format!("GeneratedAt {value:?} is not `YYYY-MM-DD HH:MM`"))?,
                );
            }
            _ => {}
        }
    }
    Ok(())
}

fn decimal(name: &str, value: &str) -> Result<Decimal, String> {
    Decimal::from_str(value).map_err(|_| format!("{name} {value:?} is not a decimal amount"))
}

fn finish_row(acc: RowAcc, report: &mut Report) -> Result<(), String> {
    let n = report.details.len() + report.summaries.len() + 1;
    // SEQR's ids become keys, file names and SQL values: only their shape is taken.
    if let Some(terminal) = &acc.terminal_id {
        check_plain_id(terminal).map_err(|what| format!("row {n}: TerminalId {terminal:?} {what}"))?;
    }
    if let Some(ers) = &acc.ers_reference {
        check_ers_reference(ers).map_err(|what| format!("row {n}: ErsReference {ers:?} {what}"))?;
    }
    match (acc.amount, acc.ers_reference, acc.count, acc.total) {
        (Some(amount), Some(ers_reference), _, _) => report.details.push(DetailRow {
            terminal_id: acc.terminal_id,
            cashier_id: acc.cashier_id,
            amount,
            ers_reference,
        }),
        (None, None, Some(count), Some(total)) => {
            report.summaries.push(SummaryRow { terminal_id: acc.terminal_id, count, total });
        }
        (Some(_), None, _, _) => return Err(format!("row {n} has SalesAmount but no ErsReference")),
        (None, Some(_), _, _) => return Err(format!("row {n} has ErsReference but no SalesAmount")),
        _ => return Err(format!("row {n} is neither a detail row nor a summary row")),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    const DETAIL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<TransactionDetails>
<Meta>
<ResellerId>acme-se</ResellerId>
<TransactionPeriodId>2026112121003312301000044</TransactionPeriodId>
<GeneratedAt>2026-11-21 21:00</GeneratedAt>
</Meta>
<Row>
<TerminalId>5c1d</TerminalId>
<CashierId>anna</CashierId>
<SalesAmount>149.50000</SalesAmount>
<ErsReference>2026112114225170101000311</ErsReference>
</Row>
<Row>
<TerminalId>5c1d</TerminalId>
<CashierId>NULL</CashierId>
<SalesAmount>-20.00000</SalesAmount>
<ErsReference>2026112114300170101000312</ErsReference>
</Row>
</TransactionDetails>"#;

    #[test]
    fn detail_report_yields_meta_and_rows_with_exact_amounts() {
        let r = parse_report(DETAIL, "STD_RECON_003", "p").unwrap();
        assert_eq!(r.meta.reseller_id.as_deref(), Some("acme-se"));
        assert_eq!(r.meta.period_id.as_deref(), Some("2026112121003312301000044"));
        assert_eq!(r.meta.generated_at.unwrap().to_string(), "2026-11-21 21:00:00");
        assert_eq!(r.details.len(), 2);
        assert_eq!(r.details[0].amount, d("149.5"));
        assert_eq!(r.details[0].cashier_id.as_deref(), Some("anna"));
        assert_eq!(r.details[1].cashier_id, None, "literal NULL means no cashier");
        assert_eq!(r.details[1].amount, d("-20"));
    }

    #[test]
    fn report_with_mismatched_root_tags_still_yields_rows() {
        let xml = "<CashierTransactionSummary><Meta><TerminalId>t1</TerminalId></Meta>\
            <Row><SalesCount>3</SalesCount><SalesTotal>30.00000</SalesTotal></Row>\
            </TerminalTransactionSummary>";
        let r = parse_report(xml, "STD_RECON_006", "p").unwrap();
        assert_eq!(r.meta.terminal_id.as_deref(), Some("t1"));
        assert_eq!(r.summaries, vec![SummaryRow { terminal_id: None, count: 3, total: d("30") }]);
    }

    #[test]
    fn summary_report_carrying_detail_rows_gives_details() {
        let xml = "<ShopTransactionSummary><Row><TerminalId>t</TerminalId><CashierId>c</CashierId>\
            <SalesAmount>1.00000</SalesAmount><ErsReference>1</ErsReference></Row>\
            <Row><SalesCount>1</SalesCount><SalesTotal>1.00000</SalesTotal></Row></ShopTransactionSummary>";
        let r = parse_report(xml, "Shop.xml", "p").unwrap();
        assert_eq!(r.details.len(), 1);
        assert_eq!(r.summaries.len(), 1);
    }

    #[test]
    fn cdata_and_escaped_text_inside_fields_are_read() {
        let xml = "<R><Row><TerminalId><![CDATA[t-1]]></TerminalId><CashierId>O&apos;Brien &amp; Sons</CashierId>\
            <SalesAmount> 5.00000 </SalesAmount><ErsReference>7</ErsReference></Row></R>";
        let r = parse_report(xml, "x", "p").unwrap();
        assert_eq!(r.details[0].terminal_id.as_deref(), Some("t-1"));
        assert_eq!(r.details[0].cashier_id.as_deref(), Some("O'Brien & Sons"));
        assert_eq!(r.details[0].amount, d("5"));
    }

    #[test]
    fn truncated_report_is_an_error_naming_report_period_and_position() {
        let cut = &DETAIL[..DETAIL.find("<ErsReference>2026112114300").unwrap() + 20];
        let e = parse_report(cut, "Reconciliation/STD_RECON_003.xml", "2026112121003312301000044").unwrap_err();
        assert_eq!(e.report_id, "Reconciliation/STD_RECON_003.xml");
        assert_eq!(e.period_id, "2026112121003312301000044");
        assert!(e.what.contains("truncated inside row 2"), "{e}");
        assert!(e.line >= 15, "{e}");
    }

    #[test]
    fn bad_amount_is_an_error_not_a_skipped_row() {
        let xml = DETAIL.replace("149.50000", "149,50");
        let e = parse_report(&xml, "r", "p").unwrap_err();
        assert!(e.what.contains("SalesAmount \"149,50\""), "{e}");
    }

    #[test]
    fn an_id_that_is_not_seqrs_shape_is_an_error_naming_row_and_field() {
        let e = parse_report(&DETAIL.replace(">2026112114300170101000312<", ">20261121-x<"), "r", "p").unwrap_err();
        assert!(e.what.contains("row 2: ErsReference \"20261121-x\" is not an ersReference"), "{e}");
        let e = parse_report(&DETAIL.replacen(">5c1d<", ">../5c1d<", 1), "r", "p").unwrap_err();
        assert!(e.what.contains("row 1: TerminalId \"../5c1d\""), "{e}");
    }

    #[test]
    fn a_row_with_neither_shape_is_an_error() {
        let e = parse_report("<R><Row><TerminalId>t</TerminalId></Row></R>", "r", "p").unwrap_err();
        assert!(e.what.contains("neither"), "{e}");
    }

    fn answer(report: impl FnOnce(&mut crate::seqr::envelope::XmlOut)) -> String {
        crate::seqr::envelope::write_response("executeReport", None, 0, "SUCCESS", |x| {
            x.open("report");
            report(x);
            x.close("report");
        })
    }

    #[test]
    fn a_cdata_content_string_is_read_in_place_and_base64_content_only_without_it() {
        let both = answer(|x| {
            x.leaf("content", &base64::engine::general_purpose::STANDARD.encode("<ignored/>"));
            x.cdata_leaf("contentString", DETAIL);
        });
        let text = report_text(&both, "r", "p").unwrap();
        assert!(matches!(text, Cow::Borrowed(_)), "no copy of the report");
        assert_eq!(text, DETAIL);
        let escaped = answer(|x| x.leaf("contentString", DETAIL));
        assert_eq!(report_text(&escaped, "r", "p").unwrap(), DETAIL);
        let b64 = answer(|x| x.leaf("content", &base64::engine::general_purpose::STANDARD.encode(DETAIL)));
        assert_eq!(report_text(&b64, "r", "p").unwrap(), DETAIL);
        let e = report_text(&answer(|_| {}), "r", "p").unwrap_err();
        assert!(e.what.contains("neither contentString nor content"));
    }

    #[test]
    fn the_report_cut_out_of_its_answer_keeps_only_the_report_in_memory() {
        let big = format!("{DETAIL}<!--{}-->", "x".repeat(100_000));
        let both = answer(|x| {
            x.leaf("content", &base64::engine::general_purpose::STANDARD.encode(&big));
            x.cdata_leaf("contentString", &big);
        });
        let answer_len = both.len();
        let text = into_report_text(both, "r", "p").unwrap();
        assert_eq!(text, big);
        assert!(answer_len > 2 * big.len(), "the answer carries the report twice");
        assert!(text.capacity() < answer_len / 2, "the rest of the answer is freed: {}", text.capacity());
        let b64 = answer(|x| x.leaf("content", &base64::engine::general_purpose::STANDARD.encode(DETAIL)));
        assert_eq!(into_report_text(b64, "r", "p").unwrap(), DETAIL);
        let e = into_report_text(answer(|_| {}), "r", "p").unwrap_err();
        assert!(e.what.contains("neither contentString nor content"));
    }

    #[test]
    fn entity_expansion_is_refused() {
        let xml = "<!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\">]><R><Row><CashierId>&a;</CashierId></Row></R>";
        let e = parse_report(xml, "r", "p").unwrap_err();
        assert!(e.what.contains("unknown entity"), "{e}");
    }

    #[test]
    fn a_report_whose_structure_ends_before_its_rows_is_refused_not_read_as_empty() {
        let stray = DETAIL.replace("</Meta>", "</Meta></TransactionDetails>");
        let e = parse_report(&stray, "Reconciliation/STD_RECON_003.xml", "2026112121003312301000044").unwrap_err();
        assert!(e.what.contains("<Row> after the report's root element closed at byte"), "{e}");
        assert!(e.to_string().contains("Reconciliation/STD_RECON_003.xml for period 2026112121003312301000044"));

        let rootless = "<Row><SalesAmount>1</SalesAmount><ErsReference>1</ErsReference></Row>\
                        <Row><SalesAmount>2</SalesAmount><ErsReference>2</ErsReference></Row>";
        let e = parse_report(rootless, "r", "p").unwrap_err();
        assert!(e.what.contains("rows with no root element"), "{e}");

        // What may follow the root: whitespace, comments.
        let r = parse_report(&format!("{DETAIL}\n<!-- end -->\n"), "r", "p").unwrap();
        assert_eq!(r.details.len(), 2);
    }

    #[test]
    fn a_report_of_another_period_or_terminal_is_refused() {
        let r = parse_report(DETAIL, "r", "p").unwrap();
        let ours = "2026112121003312301000044";
        assert!(check_meta(&r, "r", ours, None, Some("acme-se")).is_ok());
        let e = check_meta(&r, "r", "2026112221003312301000045", None, None).unwrap_err();
        assert!(e.what.contains("report of period 2026112121003312301000044 instead"), "{e}");
        let e = check_meta(&r, "r", ours, Some("t9"), None).unwrap_err();
        assert!(e.what.contains("asked for terminal t9"), "{e}");
        let e = check_meta(&r, "r", ours, None, Some("other")).unwrap_err();
        assert!(e.what.contains("reseller acme-se's, not other's"), "{e}");
        let none = Report::default();
        assert!(check_meta(&none, "r", ours, None, None).unwrap_err().what.contains("no TransactionPeriodId"));
    }

    #[test]
    fn garbage_input_errors_without_panicking() {
        for input in ["", "<", "<<<>>>", "<R><Row></R>", "\u{0}\u{1}", "<R>&#xFFFFFFFF;</R>"] {
            assert!(parse_report(input, "r", "p").is_err(), "{input:?} parsed");
        }
    }
}
