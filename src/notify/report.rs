//! What the emails say: the report of a close, and the alerts. HTML comes
//! from `maud` templates, which escape every value; a plain-text part says
//! the same.

use chrono::Utc;
use maud::{html, Markup, DOCTYPE};

use super::{read_attachment, Outgoing};
use crate::config::{Config, EmailSettings, ReportFormat, Shop};
use crate::domain::EmailKind;
use crate::export::todo::{days, money, Agenda, Entry, Span};
use crate::export::{CloseReport, ReportFiles};
use crate::store::ingest::{RefusedFile, Rejected};
use crate::store::seqr_data::CloseRow;
use crate::store::SummaryLine;

const REFUSED_WARNING: &str = "INCOMPLETE: these POS files were refused, so their sales are not in this \
    reconciliation. SEQR's rows for them show as MISSING_LOCALLY (or IN_TRANSIT): do not refund those customers; fix the file \
    (its .errors.txt in the inbox's rejected/ folder names every bad line) and put it back in the inbox.";

/// The report email of one close, as `[email]` and `[reports]` of `cfg` say,
/// showing the rows its files were written from.
pub(crate) fn report_email(
    cfg: &Config,
    shop: &Shop,
    period_id: &str,
    written: &CloseReport,
    email_id: String,
) -> anyhow::Result<Outgoing> {
    let (files, rows) = (&written.files, &written.rows);
    let span = Span::new(rows.span, shop.tz());
    let today = Utc::now().with_timezone(&span.tz).date_naive();
    let report = Report {
        shop,
        period_id,
        no_posts: rows.no_pos_posts()?,
        agenda: rows.agenda(today, span.tz),
        list_limit: cfg.email.listed_items,
        flood_limit: cfg.email.flood_new_items,
        refused: &rows.refused,
        links: cfg.web.base_url.clone(),
        span,
        lines: rows.summary_lines()?,
    };
    let (settings, reports) = (&cfg.email, &cfg.reports);
    let mut attachments = Vec::new();
    // The CSVs are written either way (scripts read them); `formats` says what goes with the email.
    if reports.formats.contains(&ReportFormat::Csv) {
        attachments.push(read_attachment(&files.summary)?);
        attachments.push(read_attachment(&files.exceptions)?);
        if files.transactions_mailed {
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

/// Whether a close's to-do list has more new items than `[email] flood_new_items`.
pub(crate) fn is_flood(agenda: &Agenda<'_>, limit: usize) -> bool {
    agenda.new_items() > limit as i64
}

/// What the report email shows.
struct Report<'a> {
    shop: &'a Shop,
    period_id: &'a str,
    lines: Vec<SummaryLine>,
    agenda: Agenda<'a>,
    /// How many items to list (`[email] listed_items`).
    list_limit: usize,
    /// `[email] flood_new_items`.
    flood_limit: usize,
    refused: &'a [RefusedFile],
    /// `[web] base_url`: each listed item links to its page there.
    links: Option<reqwest::Url>,
    /// SEQR has sales in the period and no POS post arrived (see `CloseResult::no_pos_posts`).
    no_posts: bool,
    span: Span,
}

impl Report<'_> {
    /// Someone has to act today: an item nobody has taken on, or a file missing.
    fn needs_action(&self) -> bool {
        self.agenda.wants_someone() || !self.refused.is_empty() || self.no_posts
    }

    fn verdict(&self) -> &'static str {
        if self.needs_action() {
            "ACTION NEEDED"
        } else {
            "nothing to do today"
        }
    }

    fn flood(&self) -> bool {
        is_flood(&self.agenda, self.flood_limit)
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

    fn flood_warning(&self) -> String {
        format!(
            "FLOOD: {} new exceptions in one close, more than the {} expected at most. So many usually means a \
             till's file or SEQR's report went wrong, not that many sales: ops have been alerted; wait for them \
             before acting on each item. The largest are listed.",
            self.agenda.new_items(),
            self.flood_limit
        )
    }

    /// `2 new, 5 still open (oldest 9 days), 1234.50 SEK at risk`.
    fn counts(&self) -> String {
        let a = &self.agenda;
        if a.items() == 0 {
            return "no exceptions to act on".into();
        }
        let mut parts = vec![];
        if a.new_items() > 0 || a.still_open() == 0 {
            parts.push(format!("{} new", a.new_items()));
        }
        if a.still_open() > 0 {
            let oldest = match a.oldest_days().unwrap_or(0) {
                0 => days(0),
                n => format!("oldest {}", days(n)),
            };
            parts.push(format!("{} still open ({oldest})", a.still_open()));
        }
        parts.push(format!("{} {} at risk", money(a.at_risk()), self.shop.currency));
        parts.join(", ")
    }

    /// `[SEQR] Shop 1, 21 Nov 22:00 – 22 Nov 22:00: 1 new, 120.00 SEK at risk
    /// — ACTION NEEDED [shop-1 period …]`; the tag at the end is for mail
    /// filters and search.
    fn subject(&self) -> String {
        let mut subject =
            format!("[SEQR] {}, {}: {} — {}", self.shop.name, self.span.short(), self.counts(), self.verdict());
        if !self.refused.is_empty() {
            subject.push_str(&format!(", {} POS file(s) REFUSED: incomplete", self.refused.len()));
        }
        if self.no_posts {
            subject.push_str(", NO POS FILE: incomplete");
        }
        if self.flood() {
            subject.push_str(", FLOOD of new exceptions");
        }
        subject.push_str(&format!(" [{} period {}]", self.shop.id, self.period_id));
        subject
    }

    fn first_line(&self) -> String {
        format!("{}: {}. {}. {}.", self.shop.name, self.span.long(), self.counts(), self.verdict())
    }

    /// The address of an item's page in the worklist, when `[web] base_url` is set.
    fn link(&self, e: &Entry<'_>) -> Option<String> {
        let (base, reference) = (self.links.as_ref()?, e.item.reference.as_deref()?);
        base.join(&crate::web::item_href(&self.shop.id, reference)).ok().map(String::from)
    }

    /// The items listed: the largest amounts at risk first.
    fn listed(&self) -> &[Entry<'_>] {
        &self.agenda.to_act[..self.agenda.to_act.len().min(self.list_limit)]
    }

    /// What the list leaves out and why, in one line each.
    fn footnotes(&self) -> Vec<String> {
        let a = &self.agenda;
        let mut notes = vec![];
        let unlisted = a.items() - self.listed().len() as i64;
        if unlisted > 0 {
            notes.push(format!(
                "{unlisted} more item(s) to act on, with less at risk, are on the To do sheet of report.xlsx."
            ));
        }
        if !a.snoozed.is_empty() {
            let risk: rust_decimal::Decimal = a.snoozed.iter().map(|e| e.item.at_risk).sum();
            notes.push(format!(
                "{} snoozed item(s) ({} {} at risk) come back on their day.",
                a.snoozed.len(),
                money(risk),
                self.shop.currency
            ));
        }
        if a.nothing_to_do > 0 {
            notes.push(format!(
                "{} payment(s) or refund(s) made in the last moments before the close are in transit: nothing to do, \
                 the next close matches them.",
                a.nothing_to_do
            ));
        }
        if a.resolved_since > 0 {
            notes.push(format!("{} item(s) were resolved since this close was made.", a.resolved_since));
        }
        notes
    }

    fn text(&self, files: &ReportFiles) -> String {
        let mut text = format!(
            "{}\n\nSEQR reconciliation of period {} (shop {}).\n",
            self.first_line(),
            self.period_id,
            self.shop.id
        );
        let mut warn = |w: &str| text.push_str(&format!("\n{w}\n"));
        if self.no_posts {
            warn(&self.no_posts_warning());
        }
        if !self.refused.is_empty() {
            warn(REFUSED_WARNING);
            for f in self.refused {
                text.push_str(&format!("- {}\n", f.describe()));
            }
        }
        if self.flood() {
            text.push_str(&format!("\n{}\n", self.flood_warning()));
        }
        if self.agenda.items() == 0 {
            text.push_str("\nNothing to act on: every exception is matched, in transit or in hand.\n");
        } else {
            text.push_str("\nTo do, largest amount at risk first:\n");
            for (i, e) in self.listed().iter().enumerate() {
                text.push_str(&self.text_item(i + 1, e));
            }
            text.push_str("\nBy category (items, amount at risk):\n");
            for (category, n, risk) in self.agenda.by_category() {
                text.push_str(&format!("- {category}: {n}, {} {}\n", money(risk), self.shop.currency));
            }
        }
        for note in self.footnotes() {
            text.push_str(&format!("\n{note}"));
        }
        text.push_str("\n\nTotals per terminal (SEQR, till, difference of this period's own sales):\n");
        for l in &self.lines {
            text.push_str(&format!(
                "- {}: SEQR {} for {}, till {} for {}, difference {}\n",
                l.label(),
                l.seqr_count,
                money(l.seqr_total),
                l.local_count,
                money(l.local_total),
                money(l.difference)
            ));
        }
        text.push_str(&format!("\nFiles: {}\n", files.dir.display()));
        text
    }

    /// One listed item of the text part.
    fn text_item(&self, n: usize, e: &Entry<'_>) -> String {
        let item = e.item;
        let new = if e.new { " NEW" } else { "" };
        let mut text = format!(
            "\n{n}. {} {} at risk: {} ({}){new}\n",
            money(item.at_risk),
            self.shop.currency,
            item.category,
            e.age()
        );
        text.push_str(&format!("   {}\n", where_and_who(e)));
        text.push_str(&format!("   {}: {}\n", e.amounts(), item.detail));
        if let Some(standing) = e.standing() {
            text.push_str(&format!("   {standing}\n"));
        }
        text.push_str(&format!("   To do: {}\n", item.action));
        if let Some(link) = self.link(e) {
            text.push_str(&format!("   {link}\n"));
        }
        text
    }

    fn html(&self) -> Markup {
        let verdict_style = if self.needs_action() { "color: #a40000; font-weight: bold;" } else { "color: #1a6b1a;" };
        html! {
            (DOCTYPE)
            html { head { meta name="viewport" content="width=device-width, initial-scale=1"; }
            body style="font-family: Arial, Helvetica, sans-serif; font-size: 14px; color: #222; margin: 8px;" {
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
                    ul { @for f in self.refused { li { (f.describe()) } } }
                }
                @if self.flood() {
                    p style="color: #a40000;" { strong { (self.flood_warning()) } }
                }
                @if self.agenda.items() == 0 {
                    p { "Nothing to act on: every exception is matched, in transit or in hand." }
                } @else {
                    (self.html_items())
                }
                @for note in self.footnotes() { p style=(SMALL) { (note) } }
                (self.html_totals())
                p style=(SMALL) { "Every exception is in the attached report.xlsx and exceptions.csv." }
            } }
        }
    }

    /// The listed items, then the items per category.
    fn html_items(&self) -> Markup {
        const ITEM: &str =
            "border-left: 4px solid #c8d0dc; padding: 4px 0 4px 10px; margin: 0 0 12px 0; max-width: 640px;";
        const NEW: &str = "background: #a40000; color: #fff; font-size: 11px; padding: 1px 5px; border-radius: 3px;";
        html! {
            h3 style="font-size: 15px; margin: 12px 0 8px 0;" { "To do, largest amount at risk first" }
            @for (i, e) in self.listed().iter().enumerate() {
                div style=(ITEM) {
                    div {
                        strong { (i + 1) ". " (money(e.item.at_risk)) " " (self.shop.currency) " at risk" }
                        " · " (e.item.category) " · " (e.age()) " "
                        @if e.new { span style=(NEW) { "NEW" } }
                    }
                    div style=(SMALL) { (where_and_who(e)) }
                    div { (e.amounts()) ": " (e.item.detail) }
                    @if let Some(standing) = e.standing() { div style="color: #5a4a00;" { (standing) } }
                    div { strong { "To do: " } (e.item.action) }
                    @if let Some(link) = self.link(e) { div { a href=(link) { "Open it in the worklist" } } }
                }
            }
            h3 style="font-size: 15px; margin: 12px 0 4px 0;" { "By category" }
            table style=(TABLE) {
                tr { th style=(TH) { "category" } th style=(TH) { "items" } th style=(TH) { "at risk" } }
                @for (category, n, risk) in self.agenda.by_category() {
                    tr { td style=(TD) { (category) } td style=(NUM) { (n) } td style=(NUM) { (money(risk)) } }
                }
            }
        }
    }

    /// The period's own totals per terminal.
    fn html_totals(&self) -> Markup {
        html! {
            h3 style="font-size: 15px; margin: 12px 0 4px 0;" { "Totals per terminal" }
            p style=(SMALL) { "This period's own sales: SEQR's, the till's, and the till's less SEQR's." }
            table style=(TABLE) {
                tr { th style=(TH) { "terminal" } th style=(TH) { "SEQR" } th style=(TH) { "till" } th style=(TH) { "difference" } }
                @for l in &self.lines {
                    tr {
                        td style=(TD) {
                            (l.label())
                            @if let Some(id) = &l.terminal { br; span style=(SMALL) { (id) } }
                        }
                        td style=(NUM) { (money(l.seqr_total)) br; span style=(SMALL) { (plural(l.seqr_count, "sale")) } }
                        td style=(NUM) { (money(l.local_total)) br; span style=(SMALL) { (plural(l.local_count, "post")) } }
                        td style=(NUM) { (money(l.difference)) }
                    }
                }
            }
        }
    }
}

/// The email's inline styles: mail clients keep no style sheet.
const TABLE: &str = "border-collapse: collapse; margin: 8px 0 16px 0; width: 100%; max-width: 640px;";
const TH: &str = "border: 1px solid #c8d0dc; background: #dde4ee; padding: 4px 6px; text-align: left;";
const TD: &str = "border: 1px solid #c8d0dc; padding: 4px 6px; vertical-align: top;";
const NUM: &str = "border: 1px solid #c8d0dc; padding: 4px 6px; text-align: right; vertical-align: top;";
const SMALL: &str = "color: #667; font-size: 12px;";

/// `POS 1 (T1) · cashier anna · 6 Dec 14:08 · ref E1`: where and when, whom to ask, and the reference.
fn where_and_who(e: &Entry<'_>) -> String {
    match &e.item.reference {
        Some(reference) => format!("{} · ref {reference}", e.where_and_when()),
        None => e.where_and_when(),
    }
}

/// `1 sale`, `2 sales`.
fn plural(n: i64, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
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

/// The alert for a close that showed more new exceptions than `[email] flood_new_items`.
pub fn flood_alert(settings: &EmailSettings, shop: &Shop, close: &CloseRow) -> Outgoing {
    Outgoing {
        email_id: format!("{}-flood", close.close_id),
        shop_id: Some(shop.id.clone()),
        period_id: close.label_period_id.clone(),
        kind: EmailKind::Alert,
        subject: format!("[SEQR] ALERT {}: a flood of new exceptions in the close {}", shop.id, close.close_id),
        recipients: settings.alert_to.clone(),
        text: format!(
            "The close {} of shop {} ({}) showed more than {} new exceptions ([email] flood_new_items). So many \
             usually means a till exported the wrong file, exported it twice, or SEQR's report is not the shop's, \
             not that many lost sales.\n\nNext step: compare the close's exceptions.csv with the POS files it used \
             (`seqr-recon status`, table close_inputs) and SEQR's raw reports (table seqr_reports); the accountants \
             were told to wait for you.\n",
            close.close_id, shop.id, shop.name, settings.flood_new_items
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

/// What ops are told when `seqr-recon run` cannot open its database: no
/// shop was closed. Subject and text, sent without the outbox.
pub fn run_without_database_alert(error: &anyhow::Error) -> (String, String) {
    (
        "[SEQR] ALERT: the nightly close could not open its database".to_string(),
        format!(
            "seqr-recon run could not open its database, so no shop was closed.\n\nError: {error:#}\n\n\
             Next step: fix the cause above, then run `seqr-recon run` again.\n"
        ),
    )
}

/// What ops are told, once a night, when the daemon could not run a slot's
/// closes at all (the database held or broken). Subject and text, sent
/// without the outbox.
pub fn schedule_could_not_run_alert(
    shop_ids: &[&str],
    error: &anyhow::Error,
    retry_for_hours: f64,
) -> (String, String) {
    (
        format!("[SEQR] ALERT: the scheduled close of {} could not run", shop_ids.join(", ")),
        format!(
            "The daemon could not run the scheduled close.\n\nError: {error:#}\n\nThe daemon tries again \
             with back-off for {retry_for_hours} hours ([schedule] retry_for_hours); no further alert is sent for \
             tonight's tries. If another process holds the database (the error names it), ask its owner to close \
             it. `seqr-recon run` closes the slot by hand.\n"
        ),
    )
}
