//! What the emails say: the report of a close, and the alerts. HTML comes
//! from `maud` templates, which escape every value; a plain-text part says
//! the same.

use chrono::Utc;
use maud::{html, Markup, DOCTYPE};
use rust_decimal::Decimal;

use super::{read_attachment, Outgoing};
use crate::config::{EmailSettings, Shop};
use crate::domain::EmailKind;
use crate::export::ReportFiles;
use crate::store::ingest::{RefusedFile, Rejected};
use crate::store::reconcile::ExceptionLine;
use crate::store::seqr_data::CloseRow;
use crate::store::{Store, SummaryLine};

/// How many exceptions the email lists; exceptions.csv has them all.
const FIRST_EXCEPTIONS: usize = 20;

const REFUSED_WARNING: &str = "INCOMPLETE: these POS files were refused, so their sales are not in this \
    reconciliation. SEQR's rows for them show as MISSING_LOCALLY (or IN_TRANSIT): do not refund those customers; fix the file \
    (its .errors.txt in the inbox's rejected/ folder names every bad line) and put it back in the inbox.";

/// The report email of one close.
pub fn report_email(
    store: &Store,
    settings: &EmailSettings,
    shop: &Shop,
    close: &CloseRow,
    period_id: &str,
    files: &ReportFiles,
    email_id: String,
) -> anyhow::Result<Outgoing> {
    let lines = store.summary_lines(&shop.id, close.close_seq)?;
    let first = store.first_exceptions(&shop.id, close.close_seq, FIRST_EXCEPTIONS)?;
    let refused = store.refused_files(&close.close_id)?;
    let total = lines.iter().find(|l| l.terminal == "TOTAL");
    let (exceptions, difference) = total.map(|t| (t.exceptions, t.difference)).unwrap_or((0, Decimal::ZERO));
    let mut subject = format!(
        "[SEQR] {} period {period_id}: {exceptions} exception{}, difference {difference:.2} {}",
        shop.id,
        if exceptions == 1 { "" } else { "s" },
        shop.currency
    );
    if !refused.is_empty() {
        subject.push_str(&format!(", {} POS file(s) REFUSED: incomplete", refused.len()));
    }
    let report = Report { shop, period_id, lines: &lines, first: &first, refused: &refused, exceptions };
    let mut attachments = vec![read_attachment(&files.summary)?, read_attachment(&files.exceptions)?];
    if std::fs::metadata(&files.transactions)?.len() <= settings.attach_transactions_max_bytes {
        attachments.push(read_attachment(&files.transactions)?);
    }
    Ok(Outgoing {
        email_id,
        shop_id: Some(shop.id.clone()),
        period_id: Some(period_id.to_string()),
        kind: EmailKind::Report,
        subject,
        recipients: shop.email_to.clone().unwrap_or_else(|| settings.to.clone()),
        text: report.text(files),
        html: Some(report.html().into_string()),
        attachments,
    })
}

/// What the report email shows.
struct Report<'a> {
    shop: &'a Shop,
    period_id: &'a str,
    lines: &'a [SummaryLine],
    first: &'a [ExceptionLine],
    refused: &'a [RefusedFile],
    exceptions: i64,
}

impl Report<'_> {
    fn text(&self, files: &ReportFiles) -> String {
        let mut text =
            format!("{} ({}) — SEQR reconciliation of period {}\n\n", self.shop.name, self.shop.id, self.period_id);
        text.push_str(&format!(
            "{:<34} {:>6} {:>14} {:>6} {:>14} {:>5} {:>12}\n",
            "terminal", "seqr", "seqr total", "local", "local total", "exc", "difference"
        ));
        for l in self.lines {
            text.push_str(&format!(
                "{:<34} {:>6} {:>14.2} {:>6} {:>14.2} {:>5} {:>12.2}\n",
                l.terminal, l.seqr_count, l.seqr_total, l.local_count, l.local_total, l.exceptions, l.difference
            ));
        }
        if self.first.is_empty() {
            text.push_str("\n0 exceptions: every transaction matched.\n");
        } else {
            text.push_str(&format!(
                "\nFirst {} of {} exceptions (all in exceptions.csv):\n",
                self.first.len(),
                self.exceptions
            ));
            for e in self.first {
                text.push_str(&format!(
                    "- {} {} {} {}: {}\n",
                    e.category,
                    e.terminal,
                    e.reference,
                    difference(e.difference),
                    e.detail
                ));
            }
        }
        if !self.refused.is_empty() {
            text.push_str(&format!("\n{REFUSED_WARNING}\n"));
            for f in self.refused {
                text.push_str(&format!(
                    "- {}: {} row(s) of this shop, {} problem(s)\n",
                    f.file_name, f.rows, f.problems
                ));
            }
        }
        text.push_str(&format!("\nFiles: {}\n", files.dir.display()));
        text
    }

    fn html(&self) -> Markup {
        html! {
            (DOCTYPE)
            html { body style="font-family: Arial, sans-serif; font-size: 14px; color: #222;" {
                h2 { (self.shop.name) " (" (self.shop.id) ") — period " (self.period_id) }
                table border="1" cellpadding="4" cellspacing="0" style="border-collapse: collapse;" {
                    tr { th { "terminal" } th { "SEQR count" } th { "SEQR total" } th { "local count" }
                         th { "local total" } th { "exceptions" } th { "difference" } }
                    @for l in self.lines {
                        tr {
                            td { (l.terminal) }
                            td align="right" { (l.seqr_count) }
                            td align="right" { (format!("{:.2}", l.seqr_total)) }
                            td align="right" { (l.local_count) }
                            td align="right" { (format!("{:.2}", l.local_total)) }
                            td align="right" { (l.exceptions) }
                            td align="right" { (format!("{:.2}", l.difference)) }
                        }
                    }
                }
                @if !self.refused.is_empty() {
                    p { strong { (REFUSED_WARNING) } }
                    ul { @for f in self.refused { li { (f.file_name) ": " (f.rows) " row(s) of this shop, " (f.problems) " problem(s)" } } }
                }
                @if self.first.is_empty() {
                    p { "0 exceptions: every transaction matched." }
                } @else {
                    h3 { "First exceptions" }
                    table border="1" cellpadding="4" cellspacing="0" style="border-collapse: collapse;" {
                        tr { th { "category" } th { "terminal" } th { "reference" } th { "difference" } th { "detail" } }
                        @for e in self.first {
                            tr { td { (e.category) } td { (e.terminal) } td { (e.reference) }
                                 td align="right" { (difference(e.difference)) } td { (e.detail) } }
                        }
                    }
                }
            } }
        }
    }
}

fn difference(d: Option<Decimal>) -> String {
    d.map(|d| format!("{d:.2}")).unwrap_or_default()
}

/// The alert for a failed close: the error and the next step.
pub fn failed_close_alert(
    settings: &EmailSettings,
    shop: &Shop,
    close: &CloseRow,
    error: &anyhow::Error,
    next: &str,
) -> Outgoing {
    Outgoing {
        email_id: format!("{}-alert-{}", close.close_id, Utc::now().format("%Y%m%dT%H%M%S%.6f")),
        shop_id: Some(shop.id.clone()),
        period_id: close.label_period_id.clone(),
        kind: EmailKind::Alert,
        subject: format!("[SEQR] ALERT {}: close {} failed in state {}", shop.id, close.close_id, close.state),
        recipients: settings.alert_to.clone(),
        text: format!(
            "The close of shop {} ({}) failed.\n\nError: {error:#}\n\nNext step: {next}\n",
            shop.id, shop.name
        ),
        html: None,
        attachments: vec![],
    }
}

/// The alert for POS files the inbox refused.
pub fn refused_files_alert(settings: &EmailSettings, rejected: &[(std::path::PathBuf, Rejected)]) -> Outgoing {
    let list: Vec<String> =
        rejected.iter().map(|(path, r)| format!("- {} ({} problem(s))", path.display(), r.problems.len())).collect();
    Outgoing {
        email_id: format!("inbox-refused-{}", Utc::now().format("%Y%m%dT%H%M%S%.6f")),
        shop_id: None,
        period_id: None,
        kind: EmailKind::Alert,
        subject: format!("[SEQR] ALERT: {} POS file(s) refused", rejected.len()),
        recipients: settings.alert_to.clone(),
        text: format!(
            "These POS files were refused and nothing of them was loaded:\n{}\n\nEach .errors.txt beside \
             the file names every bad line. The shops' reports tonight say they are incomplete. Fix the file \
             and put it back in the inbox; the next close takes it.\n",
            list.join("\n")
        ),
        html: None,
        attachments: vec![],
    }
}
