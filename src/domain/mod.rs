//! The words of the trade, as types: the states of a close, the categories of
//! a reconciled item, how an exception was resolved, the kinds of post, and
//! SEQR's ids, each parsed once where it enters. The database stores the same
//! words (the tables' `CHECK` constraints in `queries/schema/007_domain_checks.sql`
//! name the same values) and CSV files print them.

pub mod ids;

pub use ids::{CloseKey, ErsReference, PeriodId, ShopId, TerminalId};

/// Declares an enum whose variants are stored and printed as fixed words.
macro_rules! word_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $word:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The word stored in the database and printed in files.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($word => Ok($name::$variant),)+
                    other => Err(format!(
                        "{other:?} is not a {}; expected one of {}",
                        stringify!($name),
                        [$($word),+].join(", ")
                    )),
                }
            }
        }

        impl duckdb::types::ToSql for $name {
            fn to_sql(&self) -> duckdb::Result<duckdb::types::ToSqlOutput<'_>> {
                Ok(duckdb::types::ToSqlOutput::Borrowed(duckdb::types::ValueRef::Text(self.as_str().as_bytes())))
            }
        }

        impl duckdb::types::FromSql for $name {
            fn column_result(value: duckdb::types::ValueRef<'_>) -> duckdb::types::FromSqlResult<Self> {
                let text = value.as_str()?;
                text.parse().map_err(|e: String| duckdb::types::FromSqlError::Other(e.into()))
            }
        }
    };
}

word_enum! {
    /// Where one close of one shop stands. Each step commits its state before
    /// the next begins; `MarkUnknown` is where it stops for the operator.
    CloseState {
        /// Recorded before anything is asked of SEQR.
        Intent = "intent",
        /// A markTransactionPeriod is in flight.
        Marking = "marking",
        /// A mark whose outcome is unknown: only `run --confirm-remark` goes on.
        MarkUnknown = "mark_unknown",
        /// Every period is marked; its reports are to fetch.
        Marked = "marked",
        /// Every report is stored.
        Fetched = "fetched",
        /// Classified; to check and export.
        Reconciled = "reconciled",
        /// CSVs written and the email queued.
        Exported = "exported",
        /// The report email left.
        Emailed = "emailed",
    }
}

impl CloseState {
    /// The report is out (or queued in the outbox): a new close may start.
    pub fn is_complete(self) -> bool {
        matches!(self, CloseState::Exported | CloseState::Emailed)
    }

    /// The close has a classified result to read or recompute.
    pub fn has_result(self) -> bool {
        matches!(self, CloseState::Reconciled | CloseState::Exported | CloseState::Emailed)
    }

    /// The close has not got all its periods from SEQR yet.
    pub fn is_marking(self) -> bool {
        matches!(self, CloseState::Intent | CloseState::Marking | CloseState::MarkUnknown)
    }
}

word_enum! {
    /// Where one period's reports stand.
    PeriodState {
        /// SEQR made the period; its reports are not stored yet.
        Marked = "marked",
        /// Its detail and summary reports are stored.
        Fetched = "fetched",
    }
}

word_enum! {
    /// What reconciliation made of an item, as written in `exceptions.csv`
    /// (part of the product's interface; docs/operator.md explains each).
    Category {
        /// The post and SEQR's row agree.
        Matched = "MATCHED",
        /// Same payment, different amounts.
        AmountMismatch = "AMOUNT_MISMATCH",
        /// Same payment, booked on another terminal.
        TerminalMismatch = "TERMINAL_MISMATCH",
        /// A post SEQR has no payment for.
        MissingAtSeqr = "MISSING_AT_SEQR",
        /// A SEQR payment no till posted.
        MissingLocally = "MISSING_LOCALLY",
        /// A SEQR payment of the last moments before the mark, its post not in yet.
        InTransit = "IN_TRANSIT",
        /// A payment posted twice.
        DuplicateLocal = "DUPLICATE_LOCAL",
        /// A refund post SEQR shows no refund for.
        RefundUnmatched = "REFUND_UNMATCHED",
        /// A SEQR refund no till posted.
        RefundMissingLocally = "REFUND_MISSING_LOCALLY",
        /// A payment SEQR reversed because the till stopped polling.
        UnpolledReversed = "UNPOLLED_REVERSED",
        /// SEQR's summary disagrees with its own detail rows.
        SummaryMismatch = "SUMMARY_MISMATCH",
        /// An earlier exception whose other side arrived since.
        LateMatched = "LATE_MATCHED",
        /// A post and a SEQR row that look like the same sale under different references.
        ProbableMatch = "PROBABLE_MATCH",
    }
}

impl Category {
    /// Whether an accountant has something to look at: everything but a match
    /// (on time or late).
    pub fn is_exception(self) -> bool {
        !matches!(self, Category::Matched | Category::LateMatched)
    }

    /// Whether an accountant must act on it today: every exception but a
    /// payment still in transit (the next close matches it by itself).
    pub fn needs_action(self) -> bool {
        self.is_exception() && self != Category::InTransit
    }
}

word_enum! {
    /// How an accountant dealt with an exception (`exception resolve --how`).
    Resolution {
        /// The customer was refunded.
        Refund = "refund",
        /// The books were corrected.
        Correction = "correction",
        /// The difference was written off.
        WriteOff = "write-off",
        /// A PROBABLE_MATCH is the same sale: both sides leave the open list.
        Confirmed = "confirmed",
        /// A PROBABLE_MATCH is not the same sale: never propose the pair again.
        Rejected = "rejected",
    }
}

word_enum! {
    /// A change an accountant makes to an exception (`seqr-recon exception …`), kept in
    /// `item_events`, the audit trail.
    ItemEvent {
        /// Someone is on it (with a note): it stays listed, without asking for action.
        Acknowledged = "acknowledged",
        /// Not listed until a day in the shop's calendar.
        Snoozed = "snoozed",
        /// Dealt with: it leaves the open list.
        Resolved = "resolved",
        /// Open again after it was resolved.
        Reopened = "reopened",
    }
}

word_enum! {
    /// Where an exception stands for the accountants, from its latest [`ItemEvent`].
    ItemState {
        /// Nobody has said anything about it yet.
        Open = "open",
        /// Someone is on it.
        Acknowledged = "acknowledged",
        /// Put off until a day.
        Snoozed = "snoozed",
        /// It was resolved and came back (or was reopened): open again.
        Reopened = "reopened",
        /// Resolved after the close that shows it.
        Resolved = "resolved",
    }
}

impl ItemState {
    /// The state an item is in after `event` (none: never touched), as shown
    /// by a close made at `close_made`, on the shop's day `today`.
    pub fn after(
        event: Option<(ItemEvent, Option<chrono::NaiveDate>, chrono::DateTime<chrono::Utc>)>,
        close_made: chrono::DateTime<chrono::Utc>,
        today: chrono::NaiveDate,
    ) -> ItemState {
        match event {
            None => ItemState::Open,
            Some((ItemEvent::Acknowledged, _, _)) => ItemState::Acknowledged,
            Some((ItemEvent::Snoozed, Some(until), _)) if until > today => ItemState::Snoozed,
            Some((ItemEvent::Snoozed, _, _)) => ItemState::Open,
            Some((ItemEvent::Reopened, _, _)) => ItemState::Reopened,
            // A close made after the resolution shows the item only if it came back.
            Some((ItemEvent::Resolved, _, at)) if at < close_made => ItemState::Reopened,
            Some((ItemEvent::Resolved, _, _)) => ItemState::Resolved,
        }
    }

    /// Whether someone has to act on an item in this state today.
    pub fn wants_someone(self) -> bool {
        matches!(self, ItemState::Open | ItemState::Reopened)
    }
}

word_enum! {
    /// What a till's post records.
    PostKind {
        /// A payment (positive amount).
        Payment = "PAYMENT",
        /// A refund (negative amount).
        Refund = "REFUND",
    }
}

word_enum! {
    /// What an email is.
    EmailKind {
        /// The report of a close.
        Report = "report",
        /// An alert to ops.
        Alert = "alert",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_reads_back_as_its_value() {
        for s in CloseState::ALL {
            assert_eq!(s.as_str().parse::<CloseState>().unwrap(), *s);
        }
        for c in Category::ALL {
            assert_eq!(c.as_str().parse::<Category>().unwrap(), *c);
        }
        assert_eq!("write-off".parse::<Resolution>().unwrap(), Resolution::WriteOff);
        let e = "matched".parse::<Category>().unwrap_err();
        assert!(e.contains("\"matched\" is not a Category") && e.contains("LATE_MATCHED"), "{e}");
    }

    #[test]
    fn only_matches_are_not_exceptions() {
        let quiet: Vec<_> = Category::ALL.iter().filter(|c| !c.is_exception()).collect();
        assert_eq!(quiet, [&Category::Matched, &Category::LateMatched]);
        assert!(CloseState::Emailed.is_complete() && !CloseState::Reconciled.is_complete());
    }
}
