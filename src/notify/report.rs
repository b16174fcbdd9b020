//! What the emails say: the report of a close, and the alerts. HTML comes
//! from `maud` templates, which escape every value; a plain-text part says
//! the same.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use maud::{html, Markup, DOCTYPE};
use rust_decimal::Decimal;

use super::{read_attachment, Outgoing};
use crate::config::{Config, EmailSettings, ReportFormat, Shop};
use crate::domain::EmailKind;
use crate::export::{assumes_posts_arrived, CloseReport, ReportFiles, NO_POSTS_ACTION};
use crate::store::ingest::{RefusedFile, Rejected};
use crate::store::reconcile::{CategoryTotal, ExceptionLine};
use crate::store::seqr_data::CloseRow;
use crate::store::{Store, SummaryLine};

/// How many exceptions the email lists; exceptions.csv has them all.
const FIRST_EXCEPTIONS: usize = 20;

const REFUSED_WARNING: &str = "INCOMPLETE: these POS files were refused, so their sales are not in this \
    reconciliation. SEQR's rows for them show as MISSING_LOCALLY (or IN_TRANSIT): do not refund those customers; fix the file \
    (its .errors.txt in the inbox's rejected/ folder names every bad line) and put it back in the inbox.";

/// The report email of one close, as `[email]` and `[reports]` of `cfg` say,
/// showing the rows its files were written from.
pub(crate) fn report_email(
    store: &Store,
    cfg: &Config,
    shop: &Shop,
    close: &CloseRow,
    period_id: &str,
    written: &CloseReport,
    email_id: String,
) -> anyhow::Result<Outgoing> {
    let (files, rows) = (&written.files, &written.rows);
    let lines = rows.summary_lines()?;
    let total = lines.iter().find(|l| l.terminal == "TOTAL");
    let (from, to) = store.close_span(&shop.id, close.close_seq)?;
    let no_posts = rows.no_pos_posts()?;
    let mut categories = store.category_totals(&shop.id, close.close_seq)?;
    let mut first = rows.first_exceptions(store, FIRST_EXCEPTIONS)?;
    if no_posts {
        // Every SEQR sale reads MISSING_LOCALLY when no file came: that is not advice to refund.
        let withheld = |category: &str, action: &mut String| {
            if assumes_posts_arrived(category) {
                *action = NO_POSTS_ACTION.into();
            }
        };
        categories.iter_mut().for_each(|c| withheld(c.category.as_str(), &mut c.action));
        first.iter_mut().for_each(|e| withheld(&e.category, &mut e.action));
    }
    let report = Report {
        shop,
        period_id,
        no_posts,
        categories,
        first,
        refused: store.refused_files(&close.close_id)?,
        exceptions: total.map_or(0, |t| t.exceptions),
        difference: total.map_or(Decimal::ZERO, |t| t.difference),
        span: Span { from, to, tz: shop.tz() },
        lines,
    };
    let (settings, reports) = (&cfg.email, &cfg.reports);
    let mut attachments = Vec::new();
    // The CSVs are written either way (scripts read them); `formats` says what goes with the email.
    if reports.formats.contains(&ReportFormat::Csv) {
        attachments.push(read_attachment(&files.summary)?);
        attachments.push(read_attachment(&files.exceptions)?);
        if std::fs::metadata(&files.transactions)?.len() <= settings.attach_transactions_max_bytes {
            attachments.push(read_attachment(&files.transactions)?);
        }
    }
    if let Some(workbook) = &files.workbook {
        attachments.push(read_attachment(workbook)?);
    }
    Ok(Outgoing {
        email_id,
        shop_id: Some(shop.id.clone()),
        period_id: Some(period_id.to_string()),
        kind: EmailKind::Report,
        subject: report.subject(),
        recipients: shop.email_to.clone().unwrap_or_else(|| settings.to.clone()),
        text: report.text(files),
        html: Some(report.html().into_string()),
        attachments,
    })
}

/// The stretch of time a close covers: from the shop's previous close to
/// this one (SEQR's clock), shown in the shop's zone.
struct Span {
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    tz: Tz,
}

impl Span {
    /// `21 Nov 22:00 – 22 Nov 22:00`.
    fn short(&self) -> String {
        self.show("%-d %b %H:%M")
    }

    /// `Sat 21 Nov 2026 22:00 – Sun 22 Nov 2026 22:00 (Europe/Stockholm)`.
    fn long(&self) -> String {
        format!("{} ({})", self.show("%a %-d %b %Y %H:%M"), self.tz.name())
    }

    fn show(&self, format: &str) -> String {
        let at = |t: &Option<DateTime<Utc>>| t.map(|t| t.with_timezone(&self.tz).format(format).to_string());
        match (at(&self.from), at(&self.to)) {
            (Some(from), Some(to)) => format!("{from} – {to}"),
            (None, Some(to)) => format!("until {to}"),
            _ => "period not marked".into(),
        }
    }
}

/// What the report email shows.
struct Report<'a> {
    shop: &'a Shop,
    period_id: &'a str,
    lines: Vec<SummaryLine>,
    categories: Vec<CategoryTotal>,
    first: Vec<ExceptionLine>,
    refused: Vec<RefusedFile>,
    /// SEQR has sales in the period and no POS post arrived (see `CloseRows::no_pos_posts`).
    no_posts: bool,
    exceptions: i64,
    difference: Decimal,
    span: Span,
}

impl Report<'_> {
    fn needs_action(&self) -> bool {
        self.categories.iter().any(|c| c.category.needs_action()) || !self.refused.is_empty() || self.no_posts
    }

    fn verdict(&self) -> &'static str {
        if self.needs_action() {
            "ACTION NEEDED TODAY"
        } else {
            "nothing to do today"
        }
    }

    fn no_posts_warning(&self) -> String {
        let since = self.span.from.map_or_else(
            || "in this period".to_string(),
            |t| format!("since {}", t.with_timezone(&self.span.tz).format("%a %-d %b %Y %H:%M")),
        );
        format!(
            "INCOMPLETE: no POS file arrived {since}, while SEQR has sales in this period. Their rows show as \
             MISSING_LOCALLY: do not refund those customers. Check that the tills export into the inbox; the next \
             close matches what arrives."
        )
    }

    fn counts(&self) -> String {
        format!(
            "{} exception{}, difference {:.2} {}",
            self.exceptions,
            if self.exceptions == 1 { "" } else { "s" },
            self.difference,
            self.shop.currency
        )
    }

    /// `[SEQR] Shop 1, 21 Nov 22:00 – 22 Nov 22:00: 1 exception, difference
    /// -0.50 SEK — ACTION NEEDED TODAY [shop-1 period …]`; the tag at the end
    /// is for mail filters and search.
    fn subject(&self) -> String {
        let mut subject =
            format!("[SEQR] {}, {}: {} — {}", self.shop.name, self.span.short(), self.counts(), self.verdict());
        if !self.refused.is_empty() {
            subject.push_str(&format!(", {} POS file(s) REFUSED: incomplete", self.refused.len()));
        }
        if self.no_posts {
            subject.push_str(", NO POS FILE: incomplete");
        }
        subject.push_str(&format!(" [{} period {}]", self.shop.id, self.period_id));
        subject
    }

    fn first_line(&self) -> String {
        format!("{}: {}. {}. {}.", self.shop.name, self.span.long(), self.counts(), self.verdict())
    }

    fn text(&self, files: &ReportFiles) -> String {
        let mut text = format!(
            "{}\n\nSEQR reconciliation of period {} (shop {}).\n\n",
            self.first_line(),
            self.period_id,
            self.shop.id
        );
        text.push_str(&format!(
            "{:<30} {:>6} {:>14} {:>6} {:>14} {:>5} {:>12}\n",
            "terminal", "seqr", "seqr total", "local", "local total", "exc", "difference"
        ));
        for l in &self.lines {
            text.push_str(&format!(
                "{:<30} {:>6} {:>14.2} {:>6} {:>14.2} {:>5} {:>12.2}\n",
                terminal_label(l.terminal_name.as_deref(), &l.terminal),
                l.seqr_count,
                l.seqr_total,
                l.local_count,
                l.local_total,
                l.exceptions,
                l.difference
            ));
            if l.terminal != "TOTAL" {
                text.push_str(&format!("  ({})\n", l.terminal));
            }
        }
        if self.categories.is_empty() {
            text.push_str("\n0 exceptions: every transaction matched.\n");
        } else {
            text.push_str("\nBy category (count, difference, what to do):\n");
            for c in &self.categories {
                text.push_str(&format!("- {} {} ({:.2}): {}\n", c.category, c.items, c.difference, c.action));
            }
            text.push_str(&format!(
                "\nFirst {} of {} exceptions (all in the attachments):\n",
                self.first.len(),
                self.exceptions
            ));
            for e in &self.first {
                text.push_str(&format!(
                    "- {} {} {} {}: {} To do: {}\n",
                    e.category,
                    terminal_label(e.terminal_name.as_deref(), &e.terminal),
                    e.reference,
                    difference(e.difference),
                    e.detail,
                    e.action
                ));
            }
        }
        if self.no_posts {
            text.push_str(&format!("\n{}\n", self.no_posts_warning()));
        }
        if !self.refused.is_empty() {
            text.push_str(&format!("\n{REFUSED_WARNING}\n"));
            for f in &self.refused {
                text.push_str(&format!("- {}\n", f.describe()));
            }
        }
        text.push_str(&format!("\nFiles: {}\n", files.dir.display()));
        text
    }

    fn html(&self) -> Markup {
        const TABLE: &str = "border-collapse: collapse; margin: 8px 0 16px 0;";
        const TH: &str = "border: 1px solid #c8d0dc; background: #dde4ee; padding: 4px 8px; text-align: left;";
        const TD: &str = "border: 1px solid #c8d0dc; padding: 4px 8px; vertical-align: top;";
        const NUM: &str = "border: 1px solid #c8d0dc; padding: 4px 8px; text-align: right; vertical-align: top;";
        const SMALL: &str = "color: #667; font-size: 11px;";
        let verdict_style = if self.needs_action() { "color: #a40000; font-weight: bold;" } else { "color: #1a6b1a;" };
        html! {
            (DOCTYPE)
            html { body style="font-family: Arial, Helvetica, sans-serif; font-size: 14px; color: #222;" {
                p style="font-size: 16px; margin: 0 0 4px 0;" {
                    strong { (self.shop.name) } ": " (self.span.long()) ". " (self.counts()) ". "
                    span style=(verdict_style) { (self.verdict()) "." }
                }
                p style=(SMALL) { "SEQR reconciliation of period " (self.period_id) " (shop " (self.shop.id) ")" }
                @if self.no_posts {
                    p style="color: #a40000;" { strong { (self.no_posts_warning()) } }
                }
                @if !self.refused.is_empty() {
                    p style="color: #a40000;" { strong { (REFUSED_WARNING) } }
                    ul { @for f in &self.refused { li { (f.describe()) } } }
                }
                table style=(TABLE) {
                    tr { th style=(TH) { "terminal" } th style=(TH) { "SEQR count" } th style=(TH) { "SEQR total" }
                         th style=(TH) { "local count" } th style=(TH) { "local total" } th style=(TH) { "exceptions" }
                         th style=(TH) { "difference" } }
                    @for l in &self.lines {
                        tr {
                            td style=(TD) {
                                (terminal_label(l.terminal_name.as_deref(), &l.terminal))
                                @if l.terminal != "TOTAL" { br; span style=(SMALL) { (l.terminal) } }
                            }
                            td style=(NUM) { (l.seqr_count) }
                            td style=(NUM) { (format!("{:.2}", l.seqr_total)) }
                            td style=(NUM) { (l.local_count) }
                            td style=(NUM) { (format!("{:.2}", l.local_total)) }
                            td style=(NUM) { (l.exceptions) }
                            td style=(NUM) { (format!("{:.2}", l.difference)) }
                        }
                    }
                }
                @if self.categories.is_empty() {
                    p { "0 exceptions: every transaction matched." }
                } @else {
                    h3 style="font-size: 15px; margin: 12px 0 4px 0;" { "What to do, by category" }
                    table style=(TABLE) {
                        tr { th style=(TH) { "category" } th style=(TH) { "count" } th style=(TH) { "difference" } th style=(TH) { "what to do" } }
                        @for c in &self.categories {
                            tr { td style=(TD) { (c.category) } td style=(NUM) { (c.items) }
                                 td style=(NUM) { (format!("{:.2}", c.difference)) } td style=(TD) { (c.action) } }
                        }
                    }
                    h3 style="font-size: 15px; margin: 12px 0 4px 0;" { "First " (self.first.len()) " of " (self.exceptions) " exceptions" }
                    table style=(TABLE) {
                        tr { th style=(TH) { "category" } th style=(TH) { "terminal" } th style=(TH) { "reference" }
                             th style=(TH) { "difference" } th style=(TH) { "what happened" } th style=(TH) { "what to do" } }
                        @for e in &self.first {
                            tr {
                                td style=(TD) { (e.category) }
                                td style=(TD) {
                                    (terminal_label(e.terminal_name.as_deref(), &e.terminal))
                                    @if !e.terminal.is_empty() { br; span style=(SMALL) { (e.terminal) } }
                                }
                                td style=(TD) { (e.reference) }
                                td style=(NUM) { (difference(e.difference)) }
                                td style=(TD) { (e.detail) }
                                td style=(TD) { (e.action) }
                            }
                        }
                    }
                    p style=(SMALL) { "Every exception is in the attached report.xlsx and exceptions.csv." }
                }
            } }
        }
    }
}

/// A terminal as people know it: its configured name, else its id.
fn terminal_label<'a>(name: Option<&'a str>, id: &'a str) -> &'a str {
    name.filter(|n| !n.is_empty()).unwrap_or(id)
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
        // One alert per close, state and day: the daemon's retries through the night do not repeat it.
        email_id: format!("{}-alert-{}-{}", close.close_id, close.state, Utc::now().format("%Y%m%d")),
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

/// The alert for a close whose period has SEQR sales and no POS post.
pub fn no_posts_alert(
    settings: &EmailSettings,
    cfg_inbox: &std::path::Path,
    shop: &Shop,
    close: &CloseRow,
) -> Outgoing {
    Outgoing {
        email_id: format!("{}-no-posts", close.close_id),
        shop_id: Some(shop.id.clone()),
        period_id: close.label_period_id.clone(),
        kind: EmailKind::Alert,
        subject: format!("[SEQR] ALERT {}: no POS file arrived for the close {}", shop.id, close.close_id),
        recipients: settings.alert_to.clone(),
        text: format!(
            "The close {} of shop {} ({}) found SEQR sales but not one POS post for its period, so its report              is INCOMPLETE and says not to refund anyone.

Next step: check that the shop's tills write their              files into the inbox {} ([pos] inbox) and that their export runs; the next close matches what arrives.
",
            close.close_id,
            shop.id,
            shop.name,
            cfg_inbox.display()
        ),
        html: None,
        attachments: vec![],
    }
}

/// The alert for an email the mail server refused for good.
pub(super) fn refused_email_alert(
    settings: &EmailSettings,
    email_id: &str,
    recipients: &str,
    error: &anyhow::Error,
) -> Outgoing {
    Outgoing {
        email_id: format!("{email_id}-refused-alert-{}", Utc::now().format("%Y%m%dT%H%M%S%.6f")),
        shop_id: None,
        period_id: None,
        kind: EmailKind::Alert,
        subject: format!("[SEQR] ALERT: the mail server refused {email_id}"),
        recipients: settings.alert_to.clone(),
        text: format!(
            "The mail server refused the email {email_id} (to {recipients}) for good, so it was not delivered and \
             is not retried.\n\nAnswer: {error:#}\n\nNext step: fix the address it names ([email] to, or the \
             shop's email_to), then `seqr-recon resend --shop … --period …` sends the report again.\n"
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
