//! Every SQL text the program runs, loaded from `queries/` in one place.

/// Schema migrations, applied in order on open. Append; never edit a released one.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("../../queries/schema/001_init.sql")),
    (2, "trust", include_str!("../../queries/schema/002_trust.sql")),
    (3, "compact_matches", include_str!("../../queries/schema/003_compact_matches.sql")),
    (4, "exactly_once", include_str!("../../queries/schema/004_exactly_once.sql")),
    (5, "in_transit", include_str!("../../queries/schema/005_in_transit.sql")),
    (6, "shared_references", include_str!("../../queries/schema/006_shared_references.sql")),
    (7, "domain_checks", include_str!("../../queries/schema/007_domain_checks.sql")),
    (8, "report_zstd", include_str!("../../queries/schema/008_report_zstd.sql")),
    (9, "results_of_closes", include_str!("../../queries/schema/009_results_of_closes.sql")),
    (10, "unread_refusals", include_str!("../../queries/schema/010_unread_refusals.sql")),
    (11, "refused_emails", include_str!("../../queries/schema/011_refused_emails.sql")),
    (12, "in_transit_refunds", include_str!("../../queries/schema/012_in_transit_refunds.sql")),
    (13, "item_ledger", include_str!("../../queries/schema/013_item_ledger.sql")),
    (14, "item_life", include_str!("../../queries/schema/014_item_life.sql")),
    (15, "analyst", include_str!("../../queries/schema/015_analyst.sql")),
    (16, "open_items", include_str!("../../queries/schema/016_open_items.sql")),
    (17, "seqr_rows_of_closes", include_str!("../../queries/schema/017_seqr_rows_of_closes.sql")),
    (18, "periods_by_close", include_str!("../../queries/schema/018_periods_by_close.sql")),
    (19, "previous_close", include_str!("../../queries/schema/019_previous_close.sql")),
    (20, "latest_closes", include_str!("../../queries/schema/020_latest_closes.sql")),
    (21, "first_shown", include_str!("../../queries/schema/021_first_shown.sql")),
    (22, "kept_rows", include_str!("../../queries/schema/022_kept_rows.sql")),
    (23, "late_references", include_str!("../../queries/schema/023_late_references.sql")),
];

/// The settings of every connection that writes (`queries/store/session.sql`).
pub const SESSION: &str = include_str!("../../queries/store/session.sql");

/// What a read-only connection may not do.
pub const LOCK_DOWN_READER: &str = include_str!("../../queries/store/lock_down_reader.sql");

/// Declares each statement of `queries/store/` as a constant, and lists them
/// all in [`STORE`] so one test prepares every one.
macro_rules! store_queries {
    ($($(#[$meta:meta])* $name:ident = $file:literal;)+) => {
        $(
            $(#[$meta])*
            #[doc = concat!("`queries/store/", $file, ".sql`.")]
            pub const $name: &str = include_str!(concat!("../../queries/store/", $file, ".sql"));
        )+
        /// Every statement of `queries/store/`, by file name.
        pub const STORE: &[(&str, &str)] = &[$(($file, $name),)+];
    };
}

store_queries! {
    BEGIN = "begin";
    COMMIT = "commit";
    ROLLBACK = "rollback";
    RECORD_STEPS = "record_steps";
    RECORD_CLOSE_ERROR = "record_close_error";
    PENDING_SCOPE = "pending_scope";
    SET_MARKING = "set_marking";
    BACK_TO_INTENT = "back_to_intent";
    CLEAR_PENDING_SCOPE = "clear_pending_scope";
    INSERT_CHECK_FAILURE = "insert_check_failure";
    REFETCH_CLOSE = "refetch_close";
    EMAIL_EXISTS = "email_exists";
    EMAIL_SENT = "email_sent";
    INSERT_EMAIL = "insert_email";
    EMAILS_IN_DOUBT = "emails_in_doubt";
    EMAILS_TO_SEND = "emails_to_send";
    EMAIL_SENDING = "email_sending";
    EMAIL_DELIVERED = "email_delivered";
    REPORT_DELIVERED = "report_delivered";
    RECORD_CLOSE_INPUTS = "record_close_inputs";
    EMAIL_FAILED = "email_failed";
    EMAIL_REFUSED = "email_refused";
    MAIL_WAITING = "mail_waiting";
    EML_PATH = "eml_path";
    REPORT_EMAIL_COUNT = "report_email_count";
    REGISTER_TERMINAL = "register_terminal";
    ASSIGN_SEQR_ID = "assign_seqr_id";
    UNREGISTER_TERMINAL = "unregister_terminal";
    LIST_TERMINALS = "list_terminals";
    SYNC_SHOPS = "sync_shops";
    SYNC_TERMINALS = "sync_terminals";
    ZONES_KNOWN = "zones_known";
    INSERT_ZONE_OFFSETS = "insert_zone_offsets";
    KNOWN_PAYMENT = "known_payment";
    REFUNDED_SO_FAR = "refunded_so_far";
    REFUND_IN_DOUBT = "refund_in_doubt";
    REFUNDS_IN_DOUBT = "refunds_in_doubt";
    BEGIN_REFUND_ATTEMPT = "begin_refund_attempt";
    END_REFUND_ATTEMPT = "end_refund_attempt";
    COMPLETE_REFUND_ATTEMPT = "complete_refund_attempt";
    REFUND_ROW_TAKEN = "refund_row_taken";
    LINK_REFUND_ATTEMPT = "link_refund_attempt";
    INSERT_REFUND = "insert_refund";
    INSERT_REFUSAL = "insert_refusal";
    CLAIM_REFUSALS = "claim_refusals";
    REFUSED_FILES = "refused_files";
    OPEN_EXCEPTIONS_OF = "open_exceptions_of";
    INSERT_RESOLUTION = "insert_resolution";
    INSERT_ITEM_EVENT = "insert_item_event";
    RESOLVED_KEYS_OF = "resolved_keys_of";
    DROP_RESOLUTION = "drop_resolution";
    CLOSE_OPEN_ITEM = "close_open_item";
    REOPEN_OPEN_ITEM = "reopen_open_item";
    ITEM_HISTORY = "item_history";
    LATEST_CLOSE_OF = "latest_close_of";
    ITEM_APPEARANCES = "item_appearances";
    SEQR_ROWS_OF = "seqr_rows_of";
    POSTS_OF = "posts_of";
    INVOICES_OF = "invoices_of";
    RECENT_CLOSES = "recent_closes";
    CLOSE_TO_RECOMPUTE = "close_to_recompute";
    KEEP_RESULT_BEFORE = "keep_result_before";
    DROP_RESULT_BEFORE = "drop_result_before";
    RESULT_CHANGES = "result_changes";
    STORED_REPORTS_OF_CLOSE = "stored_reports_of_close";
    CATEGORY_COUNTS = "category_counts";
    SCORED_EXCEPTIONS = "scored_exceptions";
    NEXT_FILE_ID = "next_file_id";
    RECORD_POS_FILE = "record_pos_file";
    INSERT_REFUND_POST = "insert_refund_post";
    CLOSE_SPANS = "close_spans";
    NEXT_CLOSE_SEQ = "next_close_seq";
    INSERT_CLOSE = "insert_close";
    RECORD_LATEST_CLOSE = "record_latest_close";
    CLOSE_BY_ID = "close_by_id";
    LATEST_CLOSE = "latest_close";
    COMPLETE_CLOSES = "complete_closes";
    ARCHIVED_CLOSES = "archived_closes";
    CLOSE_FOR_SLOT = "close_for_slot";
    CLOSE_BY_PERIOD = "close_by_period";
    SET_CLOSE_STATE = "set_close_state";
    INSERT_MARK_RESPONSE = "insert_mark_response";
    INSERT_PERIOD = "insert_period";
    LABEL_CLOSE = "label_close";
    PERIODS_OF = "periods_of";
    SET_PERIOD_STATE = "set_period_state";
    DELETE_REPORT = "delete_report";
    INSERT_REPORT = "insert_report";
    INSERT_REPORT_RESPONSES = "insert_report_responses";
    DELETE_REPORT_ROWS = "delete_report_rows";
    DELETE_REPORT_SUMMARIES = "delete_report_summaries";
    LOADED_FEED = "loaded_feed";
    MIGRATIONS_TABLE = "migrations_table";
    SCHEMA_VERSION = "schema_version";
    RECORD_MIGRATION = "record_migration";
    SET_MEMORY_LIMIT = "set_memory_limit";
    SET_CHECKPOINT_THRESHOLD = "set_checkpoint_threshold";
    ATTACH_SOURCE = "attach_source";
    COPY_SOURCE = "copy_source";
    DETACH_SOURCE = "detach_source";
    PRESERVE_ORDER = "preserve_order";
}

/// The statements that load one feed's file, in the order they run.
#[derive(Debug, Clone, Copy)]
pub struct FeedQueries {
    /// Reads the file (`$path`) into `pos_staged`, trimmed and typed; bad
    /// lines to `pos_reject_errors`.
    pub stage: &'static str,
    /// Every problem of the staged rows.
    pub check: &'static str,
    /// Lines of a re-export that changed what an earlier file of its name sent.
    pub changed: &'static str,
    /// Loads the staged rows.
    pub insert: &'static str,
    /// The last line earlier files of this feed and name (`$file_name`) sent.
    pub sent_before: &'static str,
}

/// The macros that say what a POS value must look like (`pos_amount`, `pos_time`, …).
pub const POS_VALUES: &str = include_str!("../../queries/store/pos_values.sql");

/// The problems either feed's `pos_staged` can have (`pos_common_problems`), for `check`.
pub const POS_COMMON_PROBLEMS: &str = include_str!("../../queries/store/common_problems.sql");

/// The temporary tables reading a POS file fills beside the file itself.
pub const STAGE_TABLES: &str = include_str!("../../queries/store/stage_tables.sql");

/// The rows of the file just read.
pub const STAGED_COUNT: &str = include_str!("../../queries/store/staged_count.sql");

/// The lines the CSV reader refused in the file just read.
pub const READER_REFUSED_COUNT: &str = include_str!("../../queries/store/reader_refused_count.sql");

/// Drops the file just loaded.
pub const DROP_STAGED: &str = include_str!("../../queries/store/drop_staged.sql");

/// Mends the lines of `pos_staged` when the reader skipped lines (either feed).
pub const RENUMBER_STAGED: &str = include_str!("../../queries/store/renumber_staged.sql");

/// Loading a transaction-post file.
pub const POSTS_FEED: FeedQueries = FeedQueries {
    stage: include_str!("../../queries/store/stage_posts.sql"),
    check: include_str!("../../queries/store/check_posts.sql"),
    changed: include_str!("../../queries/store/changed_posts.sql"),
    insert: include_str!("../../queries/store/insert_posts.sql"),
    sent_before: include_str!("../../queries/store/posts_sent_before.sql"),
};

/// Loading an invoice-journal file.
pub const INVOICES_FEED: FeedQueries = FeedQueries {
    stage: include_str!("../../queries/store/stage_invoices.sql"),
    check: include_str!("../../queries/store/check_invoices.sql"),
    changed: include_str!("../../queries/store/changed_invoices.sql"),
    insert: include_str!("../../queries/store/insert_invoices.sql"),
    sent_before: include_str!("../../queries/store/invoices_sent_before.sql"),
};

/// Refunds of unknown outcome with the SEQR refund rows that may be them.
pub const UNKNOWN_REFUND_LINKS: &str = include_str!("../../queries/store/unknown_refund_links.sql");

/// Reconciliation of one close, in order.
pub const RECONCILE: &[(&str, &str)] = &[
    ("reconcile/00_clear.sql", include_str!("../../queries/reconcile/00_clear.sql")),
    ("reconcile/01_clear_ledger.sql", include_str!("../../queries/reconcile/01_clear_ledger.sql")),
    ("reconcile/02_clear_firsts.sql", include_str!("../../queries/reconcile/02_clear_firsts.sql")),
    ("reconcile/03_clear_open_items.sql", include_str!("../../queries/reconcile/03_clear_open_items.sql")),
    ("reconcile/04_reopen_open_items.sql", include_str!("../../queries/reconcile/04_reopen_open_items.sql")),
    ("reconcile/05_reopen_firsts.sql", include_str!("../../queries/reconcile/05_reopen_firsts.sql")),
    ("reconcile/06_clear_cursors.sql", include_str!("../../queries/reconcile/06_clear_cursors.sql")),
    ("reconcile/07_clear_kept_references.sql", include_str!("../../queries/reconcile/07_clear_kept_references.sql")),
    ("reconcile/07_clear_kept_posts.sql", include_str!("../../queries/reconcile/07_clear_kept_posts.sql")),
    ("reconcile/07_clear_kept_seqr_rows.sql", include_str!("../../queries/reconcile/07_clear_kept_seqr_rows.sql")),
    ("reconcile/07_clear_kept_settled.sql", include_str!("../../queries/reconcile/07_clear_kept_settled.sql")),
    ("reconcile/07_clear_late_references.sql", include_str!("../../queries/reconcile/07_clear_late_references.sql")),
    ("reconcile/10_classify.sql", include_str!("../../queries/reconcile/10_classify.sql")),
    ("reconcile/20_record.sql", include_str!("../../queries/reconcile/20_record.sql")),
    ("reconcile/21_settle.sql", include_str!("../../queries/reconcile/21_settle.sql")),
    ("reconcile/22_settle_firsts.sql", include_str!("../../queries/reconcile/22_settle_firsts.sql")),
    ("reconcile/23_settle_open_items.sql", include_str!("../../queries/reconcile/23_settle_open_items.sql")),
    ("reconcile/24_first_seen.sql", include_str!("../../queries/reconcile/24_first_seen.sql")),
    ("reconcile/25_first_open_items.sql", include_str!("../../queries/reconcile/25_first_open_items.sql")),
    ("reconcile/26_cursor.sql", include_str!("../../queries/reconcile/26_cursor.sql")),
    ("reconcile/27_keep_references.sql", include_str!("../../queries/reconcile/27_keep_references.sql")),
    ("reconcile/27_keep_posts.sql", include_str!("../../queries/reconcile/27_keep_posts.sql")),
    ("reconcile/27_keep_seqr_rows.sql", include_str!("../../queries/reconcile/27_keep_seqr_rows.sql")),
    ("reconcile/27_keep_settled.sql", include_str!("../../queries/reconcile/27_keep_settled.sql")),
    ("reconcile/28_late_references.sql", include_str!("../../queries/reconcile/28_late_references.sql")),
];

/// `seqr-recon archive`, in order: moves old closes out of the database (see `queries/archive/`).
pub const ARCHIVE: &[(&str, &str)] = &[
    ("archive/00_choose.sql", include_str!("../../queries/archive/00_choose.sql")),
    ("archive/10_mark.sql", include_str!("../../queries/archive/10_mark.sql")),
    ("archive/20_posts.sql", include_str!("../../queries/archive/20_posts.sql")),
    ("archive/21_seqr_rows.sql", include_str!("../../queries/archive/21_seqr_rows.sql")),
    ("archive/30_results.sql", include_str!("../../queries/archive/30_results.sql")),
    ("archive/31_reports.sql", include_str!("../../queries/archive/31_reports.sql")),
    ("archive/32_summaries.sql", include_str!("../../queries/archive/32_summaries.sql")),
    ("archive/33_cursors.sql", include_str!("../../queries/archive/33_cursors.sql")),
    ("archive/34_inputs.sql", include_str!("../../queries/archive/34_inputs.sql")),
    ("archive/35_answers.sql", include_str!("../../queries/archive/35_answers.sql")),
    ("archive/36_steps.sql", include_str!("../../queries/archive/36_steps.sql")),
    ("archive/37_check_failures.sql", include_str!("../../queries/archive/37_check_failures.sql")),
    ("archive/90_done.sql", include_str!("../../queries/archive/90_done.sql")),
];
/// What `ARCHIVE` moved out: each close's shop and label period.
pub const ARCHIVED: &str = include_str!("../../queries/archive/99_archived.sql");

/// The temporary macros a connection defines the first time it needs them
/// (`Store::with_macros`): a close's files (`queries/files/`: their rows, and
/// how COPY writes each CSV cell), one close's rows of each lake table
/// (`queries/lake/`), and the lines a re-exported POS file changed (either
/// feed). The statements below select from them, so each selection is
/// written once.
pub const MACROS: &[&str] = &[
    include_str!("../../queries/files/cells.sql"),
    include_str!("../../queries/files/summary.sql"),
    include_str!("../../queries/files/exceptions.sql"),
    include_str!("../../queries/files/transactions.sql"),
    include_str!("../../queries/lake/transactions.sql"),
    include_str!("../../queries/lake/exceptions.sql"),
    include_str!("../../queries/lake/seqr_rows.sql"),
    include_str!("../../queries/lake/pos_posts.sql"),
    include_str!("../../queries/lake/periods.sql"),
    include_str!("../../queries/lake/closes.sql"),
    include_str!("../../queries/store/changed_lines.sql"),
];

/// Writes one close's rows of the lake's `transactions` as Parquet.
pub const LAKE_WRITE_TRANSACTIONS: &str = include_str!("../../queries/lake/write_transactions.sql");
/// Writes one close's rows of the lake's `exceptions` as Parquet.
pub const LAKE_WRITE_EXCEPTIONS: &str = include_str!("../../queries/lake/write_exceptions.sql");
/// Writes one close's rows of the lake's `seqr_rows` as Parquet.
pub const LAKE_WRITE_SEQR_ROWS: &str = include_str!("../../queries/lake/write_seqr_rows.sql");
/// Writes one close's rows of the lake's `pos_posts` as Parquet.
pub const LAKE_WRITE_POS_POSTS: &str = include_str!("../../queries/lake/write_pos_posts.sql");
/// Writes one close's rows of the lake's `periods` as Parquet.
pub const LAKE_WRITE_PERIODS: &str = include_str!("../../queries/lake/write_periods.sql");
/// Writes one close's row of the lake's `closes` as Parquet.
pub const LAKE_WRITE_CLOSES: &str = include_str!("../../queries/lake/write_closes.sql");
/// Writes a shop's items in their latest state as Parquet.
pub const LAKE_WRITE_ITEMS: &str = include_str!("../../queries/lake/write_items.sql");
/// Each lake table's rows and totals of one close, as the database holds them.
pub const LAKE_DATABASE_TOTALS: &str = include_str!("../../queries/lake/database_totals.sql");
/// A lake table's rows and totals per shop and business date, as its Parquet files hold them.
pub const LAKE_PARQUET_TOTALS: &str = include_str!("../../queries/lake/parquet_totals.sql");

/// What DuckDB's CSV reader refused of the POS file just staged (it reads the reader's reject table).
pub const READER_REFUSALS: &str = include_str!("../../queries/store/reader_refusals.sql");

/// The self-checks a close must pass before its email goes out: each row is a failure.
pub const CHECKS: &str = include_str!("../../queries/reconcile/checks.sql");

/// summary.csv's rows of closes.
pub const SUMMARY_ROWS: &str = include_str!("../../queries/files/summary_rows.sql");
/// summary.csv of closes, written by COPY.
pub const SUMMARY_CSV: &str = include_str!("../../queries/files/summary_csv.sql");
/// exceptions.csv's rows of closes.
pub const EXCEPTIONS_ROWS: &str = include_str!("../../queries/files/exceptions_rows.sql");
/// exceptions.csv of closes, written by COPY.
pub const EXCEPTIONS_CSV: &str = include_str!("../../queries/files/exceptions_csv.sql");
/// transactions.csv's rows of closes.
pub const TRANSACTIONS_ROWS: &str = include_str!("../../queries/files/transactions_rows.sql");
/// transactions.csv of closes, written by COPY.
pub const TRANSACTIONS_CSV: &str = include_str!("../../queries/files/transactions_csv.sql");
/// The to-do list of a close: its exceptions with their age, amount at risk and state.
pub const TODO: &str = include_str!("../../queries/reconcile/todo.sql");

/// Analyst queries shipped with the program (`seqr-recon query NAME`).
pub const ANALYST: &[(&str, &str)] = &[
    ("daily_totals", include_str!("../../queries/daily_totals.sql")),
    ("open_exceptions_by_age", include_str!("../../queries/open_exceptions_by_age.sql")),
    ("exceptions_per_cashier", include_str!("../../queries/exceptions_per_cashier.sql")),
    ("unpolled_per_terminal_week", include_str!("../../queries/unpolled_per_terminal_week.sql")),
];
