//! A close's to-do list as accountants read it, in the email and on the
//! workbook's To do sheet: what needs someone, largest amount at risk first,
//! each item with how long it has been open and where it stands.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;

use crate::domain::{Category, ItemState};
use crate::store::reconcile::{TodoItem, TodoList};

/// One item of the list.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    /// The item as the close shows it.
    pub item: &'a TodoItem,
    /// Where it stands today.
    pub state: ItemState,
    /// First shown by this close.
    pub new: bool,
    /// Days since the close that first showed it, in the shop's calendar.
    pub days_open: i64,
    /// The shop's zone.
    pub tz: Tz,
}

/// The to-do list of one close.
#[derive(Debug, Clone)]
pub struct Agenda<'a> {
    /// Every exception of the close, largest amount at risk first.
    pub all: Vec<Entry<'a>>,
    /// The items someone has to deal with (not snoozed), largest amount at risk first.
    pub to_act: Vec<Entry<'a>>,
    /// Snoozed items: not listed until their day.
    pub snoozed: Vec<Entry<'a>>,
    /// Exceptions that need nobody (a payment in transit).
    pub nothing_to_do: usize,
    /// Items resolved since this close was made (its report sent again).
    pub resolved_since: usize,
    /// Beyond what the list holds: how many, their amount at risk, how many new.
    beyond: (i64, Decimal, i64),
}

impl<'a> Agenda<'a> {
    /// The agenda of `list`, the to-do list of close `close_seq` marked at
    /// `close_marked`, read on the shop's day `today`.
    pub fn new(
        list: &'a TodoList,
        close_seq: i64,
        close_marked: DateTime<Utc>,
        today: NaiveDate,
        tz: Tz,
    ) -> Agenda<'a> {
        let mut agenda = Agenda {
            all: vec![],
            to_act: vec![],
            snoozed: vec![],
            nothing_to_do: 0,
            resolved_since: 0,
            beyond: list.beyond,
        };
        let day = |t: DateTime<Utc>| t.with_timezone(&tz).date_naive();
        for item in &list.items {
            let event = item.last_event.as_ref().map(|e| (e.event, e.until, e.at));
            let state = ItemState::after(event, list.classified_at.unwrap_or(close_marked), today);
            let first = item.first_seen_at.unwrap_or(close_marked);
            let entry = Entry {
                item,
                state,
                new: item.first_close_seq == close_seq,
                days_open: (day(close_marked) - day(first)).num_days().max(0),
                tz,
            };
            match state {
                _ if !item.category.needs_action() => agenda.nothing_to_do += 1,
                ItemState::Resolved => agenda.resolved_since += 1,
                ItemState::Snoozed => agenda.snoozed.push(entry.clone()),
                _ => agenda.to_act.push(entry.clone()),
            }
            agenda.all.push(entry);
        }
        agenda
    }

    /// New items to act on.
    pub fn new_items(&self) -> i64 {
        self.to_act.iter().filter(|e| e.new).count() as i64 + self.beyond.2
    }

    /// Items to act on that earlier closes showed already.
    pub fn still_open(&self) -> i64 {
        self.to_act.iter().filter(|e| !e.new).count() as i64 + self.beyond.0 - self.beyond.2
    }

    /// Every item to act on, listed or not.
    pub fn items(&self) -> i64 {
        self.to_act.len() as i64 + self.beyond.0
    }

    /// Days the oldest item to act on has been open.
    pub fn oldest_days(&self) -> Option<i64> {
        self.to_act.iter().map(|e| e.days_open).max()
    }

    /// The gross amount at risk of the items to act on.
    pub fn at_risk(&self) -> Decimal {
        self.to_act.iter().map(|e| e.item.at_risk).sum::<Decimal>() + self.beyond.1
    }

    /// Whether someone has to act today: an item nobody has taken on.
    pub fn wants_someone(&self) -> bool {
        self.beyond.0 > 0 || self.to_act.iter().any(|e| e.state.wants_someone())
    }

    /// Per category of the items to act on: how many and their amount at
    /// risk; largest amount at risk first.
    pub fn by_category(&self) -> Vec<(Category, usize, Decimal)> {
        let mut tally: Vec<(Category, usize, Decimal)> = vec![];
        for e in &self.to_act {
            match tally.iter_mut().find(|t| t.0 == e.item.category) {
                Some(t) => {
                    t.1 += 1;
                    t.2 += e.item.at_risk;
                }
                None => tally.push((e.item.category, 1, e.item.at_risk)),
            }
        }
        tally.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        tally
    }
}

impl Entry<'_> {
    /// The till's time of the post in the shop's zone (`6 Dec 14:08`), when there is a post.
    pub fn when(&self) -> Option<String> {
        self.item.posted_at.map(|t| t.with_timezone(&self.tz).format("%-d %b %H:%M").to_string())
    }

    /// `POS 1 (T1) · cashier anna · 6 Dec 14:08`: where and when, and whom to ask.
    pub fn where_and_when(&self) -> String {
        let item = self.item;
        let mut parts = vec![match (item.terminal_name.as_deref(), item.terminal_id.as_deref()) {
            (Some(name), Some(id)) if !name.is_empty() => format!("{name} ({id})"),
            _ => self.terminal().to_string(),
        }];
        if let Some(cashier) = &item.cashier_id {
            parts.push(format!("cashier {cashier}"));
        }
        parts.push(self.when().unwrap_or_else(|| "time unknown (SEQR's report has none)".into()));
        parts.join(" · ")
    }

    /// The terminal as people know it: its configured name, else its id.
    pub fn terminal(&self) -> &str {
        let item = self.item;
        item.terminal_name.as_deref().filter(|n| !n.is_empty()).or(item.terminal_id.as_deref()).unwrap_or("")
    }

    /// Its state in a word or two: `open`, `acknowledged`, `snoozed until
    /// 2026-12-08`, `reopened`, `resolved since`, `nothing to do`.
    pub fn state_words(&self) -> String {
        match self.state {
            _ if !self.item.category.needs_action() => "nothing to do".into(),
            ItemState::Snoozed => {
                let until = self.item.last_event.as_ref().and_then(|e| e.until);
                format!("snoozed until {}", until.map(|d| d.to_string()).unwrap_or_default())
            }
            ItemState::Resolved => "resolved since".into(),
            state => state.as_str().into(),
        }
    }

    /// `till 133.48, SEQR 134.94`, or the one side there is.
    pub fn amounts(&self) -> String {
        let side = |name: &str, amount: Option<Decimal>| amount.map(|a| format!("{name} {}", money(a)));
        [side("till", self.item.local_amount), side("SEQR", self.item.seqr_amount)]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// How long it has been open: `new today`, `open since earlier today`,
    /// `open 1 day`, `open 12 days`.
    pub fn age(&self) -> String {
        if self.new {
            "new today".into()
        } else {
            format!("open {}", days(self.days_open))
        }
    }

    /// Where it stands, when someone has touched it: `acknowledged by anna
    /// (calling the cashier)`, `reopened: it came back after it was resolved
    /// (write-off by bob: …)`.
    pub fn standing(&self) -> Option<String> {
        let e = self.item.last_event.as_ref()?;
        Some(match self.state {
            ItemState::Acknowledged => format!("acknowledged by {} ({})", e.by, e.note),
            ItemState::Reopened if e.event == crate::domain::ItemEvent::Reopened => {
                format!("reopened by {} ({})", e.by, e.note)
            }
            ItemState::Reopened => format!(
                "reopened: it came back after {} resolved it ({}: {})",
                e.by,
                e.how.as_deref().unwrap_or("resolved"),
                e.note
            ),
            ItemState::Snoozed => {
                format!("snoozed by {} until {} ({})", e.by, e.until.map(|d| d.to_string()).unwrap_or_default(), e.note)
            }
            ItemState::Open if e.event == crate::domain::ItemEvent::Snoozed => {
                format!(
                    "was snoozed by {} until {} ({})",
                    e.by,
                    e.until.map(|d| d.to_string()).unwrap_or_default(),
                    e.note
                )
            }
            _ => return None,
        })
    }
}

/// The stretch of time a close covers: from the shop's previous close to
/// this one (SEQR's clock), shown in the shop's zone.
pub struct Span {
    /// The previous close's mark (none: the shop's first close).
    pub from: Option<DateTime<Utc>>,
    /// This close's mark.
    pub to: Option<DateTime<Utc>>,
    /// The shop's zone.
    pub tz: Tz,
}

impl Span {
    /// The span of a close from SEQR's times of its marks.
    pub fn new((from, to): crate::store::reconcile::CloseSpan, tz: Tz) -> Span {
        Span { from, to, tz }
    }

    /// `21 Nov 22:00 – 22 Nov 22:00`.
    pub fn short(&self) -> String {
        self.show("%-d %b %H:%M")
    }

    /// `Sat 21 Nov 2026 22:00 – Sun 22 Nov 2026 22:00 (Europe/Stockholm)`.
    pub fn long(&self) -> String {
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

/// `since earlier today`, `1 day`, `12 days`.
pub fn days(n: i64) -> String {
    match n {
        0 => "since earlier today".into(),
        1 => "1 day".into(),
        n => format!("{n} days"),
    }
}

/// An amount as people write it: two decimals, more only when it has more
/// (`127.63`, `0.12345`).
pub fn money(d: Decimal) -> String {
    let n = d.normalize();
    if n.scale() <= 2 {
        format!("{n:.2}")
    } else {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ItemEvent;
    use crate::store::reconcile::LastEvent;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn item(category: Category, at_risk: i64, first_close_seq: i64, first_seen: &str) -> TodoItem {
        TodoItem {
            category,
            action: format!("act on {category}"),
            terminal_id: Some("T1".into()),
            terminal_name: None,
            cashier_id: None,
            reference: Some(format!("E{at_risk}")),
            local_amount: None,
            seqr_amount: Some(Decimal::from(at_risk)),
            difference: None,
            at_risk: Decimal::from(at_risk),
            posted_at: None,
            detail: String::new(),
            first_close_seq,
            first_seen_at: Some(at(first_seen)),
            last_event: None,
        }
    }

    fn event(event: ItemEvent, until: Option<&str>, when: &str) -> Option<LastEvent> {
        Some(LastEvent {
            event,
            until: until.map(|d| d.parse().unwrap()),
            how: (event == ItemEvent::Resolved).then(|| "write-off".into()),
            note: "a note".into(),
            by: "anna".into(),
            at: at(when),
        })
    }

    /// New, carried, acknowledged, snoozed, reopened and nothing-to-do items
    /// each land where an accountant expects them, and the figures add up.
    #[test]
    fn each_item_lands_where_it_belongs_and_the_figures_add_up() {
        let tz = chrono_tz::Europe::Stockholm;
        let marked = at("2026-12-05T21:00:00Z");
        let today: NaiveDate = "2026-12-05".parse().unwrap();
        let mut acknowledged = item(Category::AmountMismatch, 30, 3, "2026-12-03T21:00:00Z");
        acknowledged.last_event = event(ItemEvent::Acknowledged, None, "2026-12-04T08:00:00Z");
        let mut snoozed = item(Category::MissingLocally, 500, 4, "2026-12-04T21:00:00Z");
        snoozed.last_event = event(ItemEvent::Snoozed, Some("2026-12-08"), "2026-12-05T08:00:00Z");
        let mut snooze_over = item(Category::MissingLocally, 20, 2, "2026-12-02T21:00:00Z");
        snooze_over.last_event = event(ItemEvent::Snoozed, Some("2026-12-05"), "2026-12-03T08:00:00Z");
        let mut came_back = item(Category::AmountMismatch, 7, 1, "2026-12-01T21:00:00Z");
        came_back.last_event = event(ItemEvent::Resolved, None, "2026-12-02T08:00:00Z");
        let mut resolved_since = item(Category::MissingAtSeqr, 9, 5, "2026-12-05T21:00:00Z");
        resolved_since.last_event = event(ItemEvent::Resolved, None, "2026-12-06T08:00:00Z");
        let list = TodoList {
            items: vec![
                snoozed,
                item(Category::MissingLocally, 100, 5, "2026-12-05T21:00:00Z"),
                item(Category::InTransit, 60, 5, "2026-12-05T21:00:00Z"),
                acknowledged,
                snooze_over,
                resolved_since,
                came_back,
            ],
            beyond: (0, Decimal::ZERO, 0),
            classified_at: None,
        };
        let agenda = Agenda::new(&list, 5, marked, today, tz);
        let listed: Vec<(i64, ItemState, bool, i64)> =
            agenda.to_act.iter().map(|e| (e.item.first_close_seq, e.state, e.new, e.days_open)).collect();
        assert_eq!(
            listed,
            [
                (5, ItemState::Open, true, 0),
                (3, ItemState::Acknowledged, false, 2),
                (2, ItemState::Open, false, 3),
                (1, ItemState::Reopened, false, 4),
            ]
        );
        assert_eq!(agenda.snoozed.len(), 1);
        assert_eq!((agenda.nothing_to_do, agenda.resolved_since), (1, 1));
        assert_eq!((agenda.new_items(), agenda.still_open(), agenda.oldest_days()), (1, 3, Some(4)));
        assert_eq!(agenda.at_risk(), Decimal::from(100 + 30 + 20 + 7), "the sum of the listed items");
        assert!(agenda.wants_someone());
        assert!(agenda.to_act[3].standing().unwrap().starts_with("reopened: it came back after anna resolved it"));
        assert_eq!(agenda.to_act[0].age(), "new today");
        // Only the acknowledged one left: someone is on it, nobody else has to act.
        let only = TodoList { items: vec![list.items[3].clone()], ..TodoList::default() };
        assert!(!Agenda::new(&only, 5, marked, today, tz).wants_someone());
    }

    #[test]
    fn amounts_show_two_decimals_unless_they_have_more() {
        let m = |s: &str| money(s.parse().unwrap());
        assert_eq!(
            [m("127.63000"), m("10.5"), m("0.12345"), m("-43.90000"), m("7")],
            ["127.63", "10.50", "0.12345", "-43.90", "7.00"]
        );
    }
}
