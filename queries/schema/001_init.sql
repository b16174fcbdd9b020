-- seqr-recon schema, version 1. Every amount is DECIMAL(18,5); every time is a TIMESTAMP in UTC
-- (no time zone type, so nothing needs DuckDB's ICU extension).
-- Documented table by table in docs/analyst.md.

CREATE TABLE shops (
    shop_id      VARCHAR PRIMARY KEY,
    name         VARCHAR NOT NULL,
    currency     VARCHAR NOT NULL,
    timezone     VARCHAR NOT NULL,
    level        VARCHAR NOT NULL,          -- 'shop' or 'terminal'
    reseller_id  VARCHAR NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);

CREATE TABLE terminals (
    terminal_id     VARCHAR PRIMARY KEY,
    shop_id         VARCHAR NOT NULL,
    name            VARCHAR NOT NULL,
    external_id     VARCHAR,
    seqr_id         VARCHAR,
    registered_at   TIMESTAMP,
    unregistered_at TIMESTAMP
);

-- One row per POS file loaded; sha256 makes loading the same file twice a no-op.
CREATE TABLE pos_files (
    file_id      BIGINT PRIMARY KEY,
    file_name    VARCHAR NOT NULL,
    sha256       VARCHAR NOT NULL UNIQUE,
    feed         VARCHAR NOT NULL,          -- 'posts' or 'invoices'
    row_count    BIGINT NOT NULL,
    ingested_at  TIMESTAMP NOT NULL
);

-- What the POS wrote to its receipt file when a SEQR payment or refund completed.
CREATE TABLE pos_posts (
    file_id            BIGINT NOT NULL,
    line               BIGINT NOT NULL,
    shop_id            VARCHAR NOT NULL,
    terminal_id        VARCHAR NOT NULL,
    cashier_id         VARCHAR,
    ers_reference      VARCHAR NOT NULL,
    invoice_reference  VARCHAR,
    amount             DECIMAL(18,5) NOT NULL,
    currency           VARCHAR NOT NULL,
    kind               VARCHAR NOT NULL,    -- 'PAYMENT' or 'REFUND'
    description        VARCHAR,
    posted_at          TIMESTAMP NOT NULL
    -- (file_id, line) identifies a row; no index is declared, as one would
    -- slow loading a million-row file several times over.
);

-- One row per invoice the POS sent, with the status it last learnt by polling.
CREATE TABLE pos_invoices (
    file_id            BIGINT NOT NULL,
    line               BIGINT NOT NULL,
    shop_id            VARCHAR NOT NULL,
    terminal_id        VARCHAR NOT NULL,
    invoice_reference  VARCHAR NOT NULL,
    amount             DECIMAL(18,5) NOT NULL,
    currency           VARCHAR NOT NULL,
    sent_at            TIMESTAMP NOT NULL,
    last_status        VARCHAR,             -- NULL: never polled
    last_polled_at     TIMESTAMP
    -- (file_id, line) identifies a row (no index, as for pos_posts).
);

-- One close of one shop: the persisted state machine of the nightly job.
CREATE TABLE closes (
    close_id     VARCHAR PRIMARY KEY,
    shop_id      VARCHAR NOT NULL,
    close_seq    BIGINT NOT NULL,           -- 1, 2, 3 … per shop, in order
    slot         TIMESTAMP NOT NULL,      -- the scheduled (or manual) time it stands for
    state        VARCHAR NOT NULL,
    label_period_id VARCHAR,                -- names the reports folder and the email
    pending_scope VARCHAR,                  -- 'shop' or a terminal id while its mark is in flight
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    error        VARCHAR,
    UNIQUE (shop_id, close_seq)
);

-- One row per markTransactionPeriod (terminal_id NULL for a shop-level period).
CREATE TABLE periods (
    period_id    VARCHAR PRIMARY KEY,
    close_id     VARCHAR NOT NULL,
    shop_id      VARCHAR NOT NULL,
    close_seq    BIGINT NOT NULL,
    terminal_id  VARCHAR,
    marked_at    TIMESTAMP NOT NULL,
    state        VARCHAR NOT NULL           -- 'marked', 'fetched'
);

-- Each report fetched, with its raw text (gzip) for provenance.
CREATE TABLE seqr_reports (
    period_id     VARCHAR NOT NULL,
    report_id     VARCHAR NOT NULL,
    terminal_id   VARCHAR,
    generated_at  TIMESTAMP,
    fetched_at    TIMESTAMP NOT NULL,
    attempts      INTEGER NOT NULL,
    response_sha256 VARCHAR NOT NULL,
    report_gz     BLOB NOT NULL,
    PRIMARY KEY (period_id, report_id)
);

-- Detail rows of SEQR's reports: one per transaction SEQR completed.
CREATE TABLE seqr_rows (
    period_id      VARCHAR NOT NULL,
    report_id      VARCHAR NOT NULL,
    row_no         INTEGER NOT NULL,
    shop_id        VARCHAR NOT NULL,
    terminal_id    VARCHAR,
    cashier_id     VARCHAR,               -- NULL: SEQR said NULL
    amount         DECIMAL(18,5) NOT NULL,
    ers_reference  VARCHAR NOT NULL
    -- (period_id, report_id, row_no) identifies a row (no index, for load speed).
);

-- Summary rows of SEQR's reports: count and total.
CREATE TABLE seqr_summaries (
    period_id    VARCHAR NOT NULL,
    report_id    VARCHAR NOT NULL,
    row_no       INTEGER NOT NULL,
    shop_id      VARCHAR NOT NULL,
    terminal_id  VARCHAR,
    sales_count  BIGINT NOT NULL,
    sales_total  DECIMAL(18,5) NOT NULL
    -- (period_id, report_id, row_no) identifies a row.
);

-- Every classification of every item by every reconciliation, kept as history.
CREATE TABLE recon_results (
    shop_id            VARCHAR NOT NULL,
    close_seq          BIGINT NOT NULL,     -- the close that made this classification
    period_id          VARCHAR NOT NULL,    -- that close's label period
    item_period_id     VARCHAR,             -- the period the item first belonged to
    category           VARCHAR NOT NULL,
    local_key          VARCHAR,             -- 'P:file_id:line' of a post
    seqr_key           VARCHAR,             -- 'S:ers_reference' of a SEQR row
    invoice_key        VARCHAR,             -- 'I:invoice_reference' of a journal invoice
    terminal_id        VARCHAR,
    cashier_id         VARCHAR,
    ers_reference      VARCHAR,
    invoice_reference  VARCHAR,
    local_amount       DECIMAL(18,5),
    seqr_amount        DECIMAL(18,5),
    difference         DECIMAL(18,5),       -- local - SEQR
    posted_at          TIMESTAMP,
    detail             VARCHAR
);

-- Exceptions an accountant closed by hand (refund, correction, write-off).
CREATE TABLE exception_resolutions (
    item_key     VARCHAR NOT NULL,
    category     VARCHAR NOT NULL,
    resolved_by  VARCHAR NOT NULL,
    resolved_at  TIMESTAMP NOT NULL,
    how          VARCHAR NOT NULL,
    why          VARCHAR NOT NULL
);

-- Each step of each close: timings and outcomes.
CREATE TABLE runs (
    run_id       VARCHAR NOT NULL,
    close_id     VARCHAR,
    shop_id      VARCHAR,
    step         VARCHAR NOT NULL,
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP,
    outcome      VARCHAR,
    detail       VARCHAR
);

-- Emails: queued until sent, so none is lost.
CREATE TABLE emails (
    email_id     VARCHAR PRIMARY KEY,
    shop_id      VARCHAR,
    period_id    VARCHAR,
    kind         VARCHAR NOT NULL,          -- 'report' or 'alert'
    subject      VARCHAR NOT NULL,
    sender       VARCHAR NOT NULL,
    recipients   VARCHAR NOT NULL,          -- comma-separated
    eml_path     VARCHAR NOT NULL,
    queued_at    TIMESTAMP NOT NULL,
    sent_at      TIMESTAMP,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   VARCHAR
);

-- Refunds made from the back office (`seqr-recon refund`), with SEQR's new reference.
CREATE TABLE refunds (
    refund_ers_reference    VARCHAR PRIMARY KEY,
    original_ers_reference  VARCHAR NOT NULL,
    shop_id                 VARCHAR NOT NULL,
    terminal_id             VARCHAR,
    amount                  DECIMAL(18,5) NOT NULL,   -- positive: what was given back
    reason                  VARCHAR,
    refunded_by             VARCHAR NOT NULL,
    refunded_at             TIMESTAMP NOT NULL
);
