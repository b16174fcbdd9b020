//! The worklist's pages, as `maud` templates: every value is escaped, so a
//! cashier named `<script>` or a SEQR text is shown as text.

use chrono::{DateTime, Utc};
use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::auth::Session;
use super::Filters;
use crate::config::Shop;
use crate::domain::{ItemState, Resolution, ShopId};
use crate::export::todo::{money, Entry};
use crate::store::exceptions::{CloseLine, ItemPage};
use crate::worklist::LatestTodo;

const STYLE: &str = "body{font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#222;margin:0}\
header{background:#1f3b5a;color:#fff;padding:8px 16px;display:flex;gap:16px;align-items:center;flex-wrap:wrap}\
header a{color:#fff}main{padding:12px 16px;max-width:1200px}\
table{border-collapse:collapse;margin:8px 0 16px 0;width:100%}\
th,td{border:1px solid #c8d0dc;padding:4px 6px;text-align:left;vertical-align:top}th{background:#dde4ee}\
td.n{text-align:right;white-space:nowrap}.new{background:#a40000;color:#fff;font-size:11px;padding:1px 5px;border-radius:3px}\
.small{color:#667;font-size:12px}.said{background:#eef6ee;border:1px solid #9c9;padding:6px 10px}\
form.inline{display:inline}fieldset{margin:8px 0;border:1px solid #c8d0dc}input,select,button{font-size:14px;margin:2px}\
@media (max-width:600px){table,thead,tbody,tr,td,th{display:block}th{display:none}td{border:none;padding:2px 0}tr{border-bottom:1px solid #c8d0dc;padding:6px 0}}";

fn page(title: &str, session: Option<&Session>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · SEQR reconciliation" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header {
                    strong { "SEQR reconciliation" }
                    @if let Some(session) = session {
                        a href="/" { "Open items" }
                        a href="/closes" { "Closes" }
                        span { "Signed in as " (session.user) }
                        form.inline method="post" action="/logout" {
                            input type="hidden" name="csrf" value=(session.csrf);
                            button type="submit" { "Sign out" }
                        }
                    }
                }
                main { (body) }
            }
        }
    }
}

/// A page that only says something.
pub fn message(title: &str, text: &str) -> Markup {
    page(title, None, html! { h2 { (title) } p { (text) } p { a href="/" { "Back to the open items" } } })
}

/// The database is held by a close: say so, and try again by itself.
pub fn busy() -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head { meta charset="utf-8"; meta http-equiv="refresh" content="10"; title { "A close is running" } }
            body style="font-family:Arial,Helvetica,sans-serif" {
                h2 { "A close is running" }
                p { "The nightly close holds the database for a moment. Nothing was changed: this page tries again in 10 seconds (a form you sent must be sent again)." }
            }
        }
    }
}

/// The sign-in form.
pub fn login(csrf: &str, said: Option<&str>) -> Markup {
    page(
        "Sign in",
        None,
        html! {
            h2 { "Sign in" }
            @if let Some(said) = said { p.said { (said) } }
            form method="post" action="/login" {
                input type="hidden" name="csrf" value=(csrf);
                p { label { "Name " input type="text" name="name" autocomplete="username" required; } }
                p { label { "Password " input type="password" name="password" autocomplete="current-password" required; } }
                p { button type="submit" { "Sign in" } }
            }
        },
    )
}

/// A table: a header cell per name in `head`, then a row per item of `rows` (its cells).
fn table(head: &[&str], rows: impl IntoIterator<Item = Markup>) -> Markup {
    html! {
        table {
            thead { tr { @for name in head { th { (name) } } } }
            tbody { @for cells in rows { tr { (cells) } } }
        }
    }
}

/// An optional text as a cell's text: empty when there is none.
fn or_empty(text: &Option<String>) -> &str {
    text.as_deref().unwrap_or("")
}

/// A UTC time to the second, empty when there is none.
fn utc_seconds(at: Option<DateTime<Utc>>) -> String {
    at.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string()).unwrap_or_default()
}

/// The address of an item's page.
pub fn item_href(shop_id: &ShopId, reference: &str) -> String {
    format!("/item/{}/{}", url_part(shop_id), url_part(reference))
}

/// `text` as one part of a path: anything but letters, digits, `-`, `_` and `.` percent-encoded.
pub fn url_part(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn keeps(entry: &Entry<'_>, filters: &Filters) -> bool {
    let category = filters.category.as_deref().filter(|c| !c.is_empty());
    let state = filters.state.as_deref().filter(|s| !s.is_empty());
    category.is_none_or(|c| entry.item.category.as_str() == c)
        && state.is_none_or(|s| entry.state.as_str() == s)
        && filters.min_age.is_none_or(|d| entry.days_open >= d)
}

/// The open items of the user's shops, as the email lists them, with filters.
pub fn list(
    session: &Session,
    all_shops: &[&Shop],
    shops: &[Shop],
    lists: &[(ShopId, Option<LatestTodo>)],
    filters: &Filters,
) -> Markup {
    let mut rows: Vec<(&Shop, Entry<'_>)> = vec![];
    for (shop, (_, latest)) in shops.iter().zip(lists) {
        let Some(latest) = latest else { continue };
        let agenda = latest.agenda(shop);
        rows.extend(agenda.to_act.into_iter().chain(agenda.snoozed).filter(|e| keeps(e, filters)).map(|e| (shop, e)));
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.1.item.at_risk));
    let selected = |a: Option<&str>, b: &str| a == Some(b);
    page(
        "Open items",
        Some(session),
        html! {
            h2 { "Open items, largest amount at risk first" }
            form method="get" action="/" {
                select name="shop" {
                    option value="" { "every shop" }
                    @for s in all_shops { option value=(s.id) selected[selected(filters.shop.as_deref(), &s.id)] { (s.name) } }
                }
                input type="text" name="category" placeholder="category" value=(filters.category.as_deref().unwrap_or(""));
                select name="state" {
                    option value="" { "any state" }
                    @for s in [ItemState::Open, ItemState::Acknowledged, ItemState::Snoozed, ItemState::Reopened] {
                        option value=(s.as_str()) selected[selected(filters.state.as_deref(), s.as_str())] { (s.as_str()) }
                    }
                }
                input type="number" name="min_age" min="0" placeholder="open at least (days)" value=[filters.min_age];
                button type="submit" { "Filter" }
            }
            @if rows.is_empty() {
                p { "Nothing to act on." }
            } @else {
                (table(
                    &["At risk", "Shop", "Category", "Open", "State", "Where and when", "Reference", "What to do"],
                    rows.iter().map(|(shop, e)| html! {
                        td.n { (money(e.item.at_risk)) " " (shop.currency) }
                        td { (shop.name) }
                        td { (e.item.category) }
                        td { (e.age()) " " @if e.new { span.new { "NEW" } } }
                        td { (e.state_words()) @if let Some(s) = e.standing() { br; span.small { (s) } } }
                        td { (e.where_and_when()) }
                        td { @if let Some(r) = &e.item.reference { a href=(item_href(&shop.id, r)) { (r) } } }
                        td { (e.item.action) }
                    }),
                ))
            }
        },
    )
}

/// One item: every close it appeared in, its SEQR and POS rows with where
/// each came from, every change, and the actions.
pub fn item(session: &Session, shop: &Shop, reference: &str, page_data: &ItemPage, said: Option<&str>) -> Markup {
    page(
        reference,
        Some(session),
        html! {
            h2 { (shop.name) ": " (reference) }
            @if let Some(said) = said { p.said { (said) } }
            (appearances(page_data))
            (sources(page_data))
            h3 { "What was done" }
            @if page_data.history.is_empty() { p { "Nothing yet." } }
            ul { @for h in &page_data.history {
                li { (h.at.format("%Y-%m-%d %H:%M UTC")) ": " strong { (h.event) }
                     @if let Some(until) = h.until { " until " (until) }
                     @if let Some(how) = &h.how { " (" (how) ")" }
                     " by " (h.by) ": " (h.note) " " span.small { (h.item_key) } }
            } }
            (actions(session, &item_href(&shop.id, reference)))
        },
    )
}

/// Every close that showed the item, oldest first.
fn appearances(page_data: &ItemPage) -> Markup {
    html! {
        h3 { "Every close that showed it" }
        (table(
            &["Close", "Period", "Category", "Terminal", "Cashier", "Till", "SEQR", "What happened"],
            page_data.appearances.iter().map(|a| html! {
                td.n { (a.close_seq) } td { (a.period_id) } td { (a.category) }
                td { (or_empty(&a.terminal_id)) } td { (or_empty(&a.cashier_id)) }
                td.n { (a.local_amount.map(money).unwrap_or_default()) } td.n { (a.seqr_amount.map(money).unwrap_or_default()) }
                td { (or_empty(&a.detail)) }
            }),
        ))
    }
}

/// SEQR's rows, the tills' posts and invoice journal lines, each with where it came from.
fn sources(page_data: &ItemPage) -> Markup {
    html! {
        h3 { "SEQR's rows" }
        (table(
            &["Period", "Report", "Row", "Terminal", "Cashier", "Amount", "Fetched (UTC)", "Answer's SHA-256, clientReference"],
            page_data.seqr_rows.iter().map(|r| html! {
                td { (r.period_id) } td { (r.report_id) } td.n { (r.row_no) }
                td { (or_empty(&r.terminal_id)) } td { (or_empty(&r.cashier_id)) } td.n { (money(r.amount)) }
                td { (utc_seconds(r.fetched_at)) }
                td.small { (or_empty(&r.response_sha256)) br; (or_empty(&r.client_reference)) }
            }),
        ))
        h3 { "The tills' posts" }
        (table(
            &["File", "Line", "Terminal", "Cashier", "Kind", "Amount", "Till time (UTC)", "File's SHA-256"],
            page_data.posts.iter().map(|p| html! {
                td { (p.file_name) } td.n { (p.line) } td { (p.terminal_id) } td { (or_empty(&p.cashier_id)) }
                td { (p.kind) } td.n { (money(p.amount)) } td { (utc_seconds(Some(p.posted_at))) } td.small { (p.sha256) }
            }),
        ))
        @if !page_data.invoices.is_empty() {
            h3 { "The tills' invoice journal" }
            (table(
                &["File", "Line", "Terminal", "Amount", "Sent (UTC)", "Last status", "Last polled (UTC)"],
                page_data.invoices.iter().map(|i| html! {
                    td { (i.file_name) } td.n { (i.line) } td { (i.terminal_id) } td.n { (money(i.amount)) }
                    td { (utc_seconds(Some(i.sent_at))) } td { (i.last_status.as_deref().unwrap_or("never polled")) }
                    td { (utc_seconds(i.last_polled_at)) }
                }),
            ))
        }
    }
}

/// The four actions on an item, each a form carrying the session's token.
fn actions(session: &Session, href: &str) -> Markup {
    let action = |name: &str| format!("{href}/{name}");
    html! {
        h3 { "Act on it" }
        fieldset { legend { "Someone is on it" }
            form method="post" action=(action("acknowledge")) {
                input type="hidden" name="csrf" value=(session.csrf);
                input type="text" name="note" placeholder="who is on it, doing what" required size="40";
                button type="submit" { "Acknowledge" }
            } }
        fieldset { legend { "Put off until a day" }
            form method="post" action=(action("snooze")) {
                input type="hidden" name="csrf" value=(session.csrf);
                input type="date" name="until" required;
                input type="text" name="note" placeholder="why it can wait" required size="30";
                button type="submit" { "Snooze" }
            } }
        fieldset { legend { "Dealt with" }
            form method="post" action=(action("resolve")) {
                input type="hidden" name="csrf" value=(session.csrf);
                select name="how" { @for how in Resolution::ALL { option value=(how.as_str()) { (how.as_str()) } } }
                input type="text" name="note" placeholder="why: what was done" required size="40";
                button type="submit" { "Resolve" }
            } }
        fieldset { legend { "Not dealt with after all" }
            form method="post" action=(action("reopen")) {
                input type="hidden" name="csrf" value=(session.csrf);
                input type="text" name="note" placeholder="why it is open again" required size="40";
                button type="submit" { "Reopen" }
            } }
    }
}

/// The closes of the user's shops, with their files.
pub fn closes(session: &Session, shops: &[Shop], lines: &[(ShopId, Vec<CloseLine>)]) -> Markup {
    page(
        "Closes",
        Some(session),
        html! {
            @for (shop, (_, closes)) in shops.iter().zip(lines) {
                h2 { (shop.name) }
                (table(
                    &["Close", "Period", "State", "Began (UTC)", "Exceptions", "Files"],
                    closes.iter().map(|c| html! {
                        td.n { (c.close_seq) } td { (or_empty(&c.period_id)) } td { (c.state) }
                        td { (c.created_at.format("%Y-%m-%d %H:%M")) } td.n { (c.exceptions) }
                        td { @if let Some(period) = &c.period_id {
                            @for (file, _) in super::FILES {
                                @if *file != "email.eml" || c.eml_path.is_some() {
                                    a href=(format!("/closes/{}/{}/{file}", url_part(&shop.id), url_part(period))) { (file) } " "
                                }
                            }
                        } }
                    }),
                ))
            }
        },
    )
}
