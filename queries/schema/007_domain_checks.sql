-- The words of the domain (src/domain/mod.rs) as CHECK constraints: a state, category, kind or
-- resolution the program does not know can never be stored. DuckDB cannot add a CHECK to an existing
-- table, so each table is rebuilt with the same columns and its rows copied over.

CREATE TABLE closes_new (
    close_id        VARCHAR PRIMARY KEY,
    shop_id         VARCHAR NOT NULL,
    close_seq       BIGINT NOT NULL,
    slot            TIMESTAMP NOT NULL,
    state           VARCHAR NOT NULL CHECK (state IN ('intent', 'marking', 'mark_unknown', 'marked', 'fetched',
                                                      'reconciled', 'exported', 'emailed')),
    label_period_id VARCHAR,
    pending_scope   VARCHAR,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    "error"         VARCHAR,
    UNIQUE (shop_id, close_seq)
);
INSERT INTO closes_new SELECT * FROM closes;
DROP TABLE closes;
ALTER TABLE closes_new RENAME TO closes;

CREATE TABLE periods_new (
    period_id   VARCHAR PRIMARY KEY,
    close_id    VARCHAR NOT NULL,
    shop_id     VARCHAR NOT NULL,
    close_seq   BIGINT NOT NULL,
    terminal_id VARCHAR,
    marked_at   TIMESTAMP NOT NULL,
    state       VARCHAR NOT NULL CHECK (state IN ('marked', 'fetched'))
);
INSERT INTO periods_new SELECT * FROM periods;
DROP TABLE periods;
ALTER TABLE periods_new RENAME TO periods;

CREATE TABLE exception_resolutions_new (
    item_key    VARCHAR NOT NULL,
    category    VARCHAR NOT NULL CHECK (category IN ('MATCHED', 'AMOUNT_MISMATCH', 'TERMINAL_MISMATCH',
        'MISSING_AT_SEQR', 'MISSING_LOCALLY', 'IN_TRANSIT', 'DUPLICATE_LOCAL', 'REFUND_UNMATCHED',
        'REFUND_MISSING_LOCALLY', 'UNPOLLED_REVERSED', 'SUMMARY_MISMATCH', 'LATE_MATCHED', 'PROBABLE_MATCH')),
    resolved_by VARCHAR NOT NULL,
    resolved_at TIMESTAMP NOT NULL,
    how         VARCHAR NOT NULL CHECK (how IN ('refund', 'correction', 'write-off', 'confirmed', 'rejected')),
    why         VARCHAR NOT NULL
);
INSERT INTO exception_resolutions_new SELECT * FROM exception_resolutions;
DROP TABLE exception_resolutions;
ALTER TABLE exception_resolutions_new RENAME TO exception_resolutions;

CREATE TABLE emails_new (
    email_id   VARCHAR PRIMARY KEY,
    shop_id    VARCHAR,
    period_id  VARCHAR,
    kind       VARCHAR NOT NULL CHECK (kind IN ('report', 'alert')),
    subject    VARCHAR NOT NULL,
    sender     VARCHAR NOT NULL,
    recipients VARCHAR NOT NULL,
    eml_path   VARCHAR NOT NULL,
    queued_at  TIMESTAMP NOT NULL,
    sent_at    TIMESTAMP,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error VARCHAR,
    sending_at TIMESTAMP
);
INSERT INTO emails_new SELECT * FROM emails;
DROP TABLE emails;
ALTER TABLE emails_new RENAME TO emails;

CREATE TABLE pos_posts_new (
    file_id           BIGINT NOT NULL,
    line              BIGINT NOT NULL,
    shop_id           VARCHAR NOT NULL,
    terminal_id       VARCHAR NOT NULL,
    cashier_id        VARCHAR,
    ers_reference     VARCHAR NOT NULL,
    invoice_reference VARCHAR,
    amount            DECIMAL(18,5) NOT NULL,
    currency          VARCHAR NOT NULL,
    kind              VARCHAR NOT NULL CHECK (kind IN ('PAYMENT', 'REFUND')),
    description       VARCHAR,
    posted_at         TIMESTAMP NOT NULL
);
INSERT INTO pos_posts_new SELECT * FROM pos_posts;
DROP TABLE pos_posts;
ALTER TABLE pos_posts_new RENAME TO pos_posts;

CREATE TABLE recon_items_new (
    shop_id           VARCHAR NOT NULL,
    close_seq         BIGINT NOT NULL,
    period_id         VARCHAR NOT NULL,
    item_period_id    VARCHAR,
    category          VARCHAR NOT NULL CHECK (category IN ('MATCHED', 'AMOUNT_MISMATCH', 'TERMINAL_MISMATCH',
        'MISSING_AT_SEQR', 'MISSING_LOCALLY', 'IN_TRANSIT', 'DUPLICATE_LOCAL', 'REFUND_UNMATCHED',
        'REFUND_MISSING_LOCALLY', 'UNPOLLED_REVERSED', 'SUMMARY_MISMATCH', 'LATE_MATCHED', 'PROBABLE_MATCH')),
    local_key         VARCHAR,
    seqr_key          VARCHAR,
    invoice_key       VARCHAR,
    terminal_id       VARCHAR,
    cashier_id        VARCHAR,
    ers_reference     VARCHAR,
    invoice_reference VARCHAR,
    local_amount      DECIMAL(18,5),
    seqr_amount       DECIMAL(18,5),
    difference        DECIMAL(18,5),
    posted_at         TIMESTAMP,
    detail            VARCHAR,
    score             DECIMAL(4,3),
    local_file_id     BIGINT,
    local_line        BIGINT
);
INSERT INTO recon_items_new SELECT * FROM recon_items;
DROP TABLE recon_items;
ALTER TABLE recon_items_new RENAME TO recon_items;
