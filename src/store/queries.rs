//! Every SQL text the program runs, loaded from `queries/` in one place.

/// Schema migrations, applied in order on open. Append; never edit a released one.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("../../queries/schema/001_init.sql")),
    (2, "trust", include_str!("../../queries/schema/002_trust.sql")),
    (3, "compact_matches", include_str!("../../queries/schema/003_compact_matches.sql")),
    (4, "exactly_once", include_str!("../../queries/schema/004_exactly_once.sql")),
    (5, "in_transit", include_str!("../../queries/schema/005_in_transit.sql")),
    (6, "shared_references", include_str!("../../queries/schema/006_shared_references.sql")),
];

pub const INSERT_POSTS: &str = include_str!("../../queries/store/insert_posts.sql");
pub const INSERT_INVOICES: &str = include_str!("../../queries/store/insert_invoices.sql");
/// Lines of a re-exported file that changed what an earlier file of its name sent.
pub const CHANGED_POSTS: &str = include_str!("../../queries/store/changed_posts.sql");
pub const CHANGED_INVOICES: &str = include_str!("../../queries/store/changed_invoices.sql");
/// Refunds of unknown outcome with the SEQR refund rows that may be them.
pub const UNKNOWN_REFUND_LINKS: &str = include_str!("../../queries/store/unknown_refund_links.sql");

/// Reconciliation of one close, in order.
pub const RECONCILE: &[(&str, &str)] = &[
    ("reconcile/00_clear.sql", include_str!("../../queries/reconcile/00_clear.sql")),
    ("reconcile/10_classify.sql", include_str!("../../queries/reconcile/10_classify.sql")),
];

/// The self-checks a close must pass before its email goes out: each row is a failure.
pub const CHECKS: &str = include_str!("../../queries/reconcile/checks.sql");

pub const SUMMARY_CSV: &str = include_str!("../../queries/reconcile/summary.sql");
pub const EXCEPTIONS_CSV: &str = include_str!("../../queries/reconcile/exceptions.sql");
pub const TRANSACTIONS_CSV: &str = include_str!("../../queries/reconcile/transactions.sql");

/// Analyst queries shipped with the program (`seqr-recon query NAME`).
pub const ANALYST: &[(&str, &str)] = &[
    ("daily_totals", include_str!("../../queries/daily_totals.sql")),
    ("open_exceptions_by_age", include_str!("../../queries/open_exceptions_by_age.sql")),
    ("exceptions_per_cashier", include_str!("../../queries/exceptions_per_cashier.sql")),
    ("unpolled_per_terminal_week", include_str!("../../queries/unpolled_per_terminal_week.sql")),
];
