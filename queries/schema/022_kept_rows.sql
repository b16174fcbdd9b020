-- The rows under the references of each shop's open items, as the shop's classification read
-- them (queries/reconcile/27_keep_*.sql): a later close reads an item left open from here, not
-- from the part of pos_posts, seqr_rows and settled_items that holds its reference, which DuckDB
-- can find only by reading that part's whole row group. close_seq is the classification that
-- kept them; a shop keeps its latest and the one before, which the latest's self-check and
-- recomputing the latest close read. A reference a close has not kept (a shop's first close
-- after this migration, an item reopened by hand) is looked up in those tables instead.
CREATE TABLE kept_references (
    shop_id    VARCHAR NOT NULL,
    close_seq  BIGINT NOT NULL,
    reference  VARCHAR NOT NULL
);

CREATE TABLE kept_posts (
    close_seq          BIGINT NOT NULL,
    shop_id            VARCHAR NOT NULL,
    file_id            BIGINT NOT NULL,
    line               BIGINT NOT NULL,
    terminal_id        VARCHAR NOT NULL,
    cashier_id         VARCHAR,
    ers_reference      VARCHAR NOT NULL,
    invoice_reference  VARCHAR,
    amount             DECIMAL(18,5) NOT NULL,
    posted_at          TIMESTAMP NOT NULL,
    kind               VARCHAR NOT NULL
);

CREATE TABLE kept_seqr_rows (
    close_seq      BIGINT NOT NULL,
    period_id      VARCHAR NOT NULL,
    report_id      VARCHAR NOT NULL,
    row_no         INTEGER NOT NULL,
    shop_id        VARCHAR NOT NULL,
    terminal_id    VARCHAR,
    cashier_id     VARCHAR,
    amount         DECIMAL(18,5) NOT NULL,
    ers_reference  VARCHAR NOT NULL
);

CREATE TABLE kept_settled_items (
    kept_close_seq  BIGINT NOT NULL,
    shop_id         VARCHAR NOT NULL,
    close_seq       BIGINT NOT NULL,
    reference       VARCHAR NOT NULL,
    file_id         BIGINT,
    line            BIGINT,
    seqr_n          BIGINT,
    terminal_id     VARCHAR,
    amount          DECIMAL(18,5),
    posted_at       TIMESTAMP,
    archived        BOOLEAN NOT NULL
);

-- For each close in closes, the references its shop's previous classification kept.
CREATE MACRO kept_references_of(closes) AS TABLE
SELECT k.shop_id, k.reference FROM kept_references k
JOIN previous_cursors(closes) s ON s.shop_id = k.shop_id AND s.close_seq = k.close_seq;

-- Every post under those references: those kept, and those loaded since (file ids grow).
CREATE MACRO kept_posts_of(closes) AS TABLE
WITH s AS (FROM previous_cursors(closes)),
r AS MATERIALIZED (FROM kept_references_of(closes))
SELECT p.shop_id, p.file_id, p.line, p.terminal_id, p.cashier_id, p.ers_reference, p.invoice_reference, p.amount,
       p.posted_at, p.kind
FROM kept_posts p JOIN s ON s.shop_id = p.shop_id AND s.close_seq = p.close_seq
UNION ALL
SELECT p.shop_id, p.file_id, p.line, p.terminal_id, p.cashier_id, p.ers_reference, p.invoice_reference, p.amount,
       p.posted_at, p.kind
FROM pos_posts p JOIN s ON s.shop_id = p.shop_id AND p.file_id > s.last_file_id
SEMI JOIN r ON r.shop_id = p.shop_id AND r.reference = p.ers_reference;

-- Every SEQR row under those references: those kept, and those of the shop's later closes.
-- UNION: a later close's report stored before the classification that kept them is in both.
CREATE MACRO kept_seqr_rows_of(closes) AS TABLE
WITH s AS (FROM previous_cursors(closes)),
r AS MATERIALIZED (FROM kept_references_of(closes)),
later AS MATERIALIZED (SELECT p.period_id FROM periods p JOIN s ON s.shop_id = p.shop_id AND p.close_seq > s.close_seq)
SELECT k.* EXCLUDE (close_seq) FROM kept_seqr_rows k JOIN s ON s.shop_id = k.shop_id AND s.close_seq = k.close_seq
UNION
SELECT r2.* FROM seqr_rows r2
SEMI JOIN later l ON l.period_id = r2.period_id
SEMI JOIN r ON r.shop_id = r2.shop_id AND r.reference = r2.ers_reference;

-- What earlier closes settled under those references: those kept, and those settled since.
CREATE MACRO kept_settled_items_of(closes) AS TABLE
WITH s AS (FROM previous_cursors(closes)),
r AS MATERIALIZED (FROM kept_references_of(closes))
SELECT k.* EXCLUDE (kept_close_seq) FROM kept_settled_items k
JOIN s ON s.shop_id = k.shop_id AND s.close_seq = k.kept_close_seq
UNION ALL
SELECT i.* FROM settled_items i JOIN s ON s.shop_id = i.shop_id AND i.close_seq > s.close_seq
SEMI JOIN r ON r.shop_id = i.shop_id AND r.reference = i.reference;

-- For each close in closes, each reference it keeps (27_keep_references.sql) and whether its
-- shop's previous classification kept it too: then its rows come from kept_*_of, else from the
-- tables themselves.
CREATE MACRO keeping(closes) AS TABLE
WITH t AS (SELECT unnest(CAST(closes AS STRUCT(shop_id VARCHAR, close_seq BIGINT)[]), recursive := true)),
b AS MATERIALIZED (FROM kept_references_of(closes))
SELECT k.shop_id, k.close_seq, k.reference,
       EXISTS (SELECT 1 FROM b WHERE b.shop_id = k.shop_id AND b.reference = k.reference) AS kept_before
FROM kept_references k SEMI JOIN t ON t.shop_id = k.shop_id AND t.close_seq = k.close_seq;

-- For each close in closes, its shop's previous classification (0: none): the kept generations
-- before it, and those of the close itself or later (a close classified again), are stale.
CREATE MACRO stale_kept(closes) AS TABLE
SELECT t.shop_id, t.close_seq, coalesce(s.close_seq, 0) AS previous_seq
FROM (SELECT unnest(CAST(closes AS STRUCT(shop_id VARCHAR, close_seq BIGINT)[]), recursive := true)) t
LEFT JOIN previous_cursors(closes) s ON s.shop_id = t.shop_id;

COMMENT ON TABLE kept_references IS 'the references of each shop''s open items whose rows its classification kept';
COMMENT ON COLUMN kept_references.shop_id IS 'the shop';
COMMENT ON COLUMN kept_references.close_seq IS 'the close whose classification kept them';
COMMENT ON COLUMN kept_references.reference IS 'the ersReference';
COMMENT ON TABLE kept_posts IS 'the posts under kept_references, as the classification read them';
COMMENT ON COLUMN kept_posts.close_seq IS 'the close whose classification kept it';
COMMENT ON COLUMN kept_posts.shop_id IS 'the shop';
COMMENT ON COLUMN kept_posts.file_id IS 'the POS file (pos_files)';
COMMENT ON COLUMN kept_posts.line IS 'its line in the file';
COMMENT ON COLUMN kept_posts.terminal_id IS 'the terminal';
COMMENT ON COLUMN kept_posts.cashier_id IS 'the cashier';
COMMENT ON COLUMN kept_posts.ers_reference IS 'the ersReference the till posted';
COMMENT ON COLUMN kept_posts.invoice_reference IS 'the invoice reference';
COMMENT ON COLUMN kept_posts.amount IS 'the amount';
COMMENT ON COLUMN kept_posts.posted_at IS 'when the till posted it (UTC)';
COMMENT ON COLUMN kept_posts.kind IS 'PAYMENT or REFUND';
COMMENT ON TABLE kept_seqr_rows IS 'SEQR''s rows under kept_references, as the classification read them';
COMMENT ON COLUMN kept_seqr_rows.close_seq IS 'the close whose classification kept it';
COMMENT ON COLUMN kept_seqr_rows.period_id IS 'the period of the report';
COMMENT ON COLUMN kept_seqr_rows.report_id IS 'the report';
COMMENT ON COLUMN kept_seqr_rows.row_no IS 'its row in the report';
COMMENT ON COLUMN kept_seqr_rows.shop_id IS 'the shop';
COMMENT ON COLUMN kept_seqr_rows.terminal_id IS 'the terminal';
COMMENT ON COLUMN kept_seqr_rows.cashier_id IS 'the cashier';
COMMENT ON COLUMN kept_seqr_rows.amount IS 'the amount';
COMMENT ON COLUMN kept_seqr_rows.ers_reference IS 'the ersReference';
COMMENT ON TABLE kept_settled_items IS 'the settled_items under kept_references, as the classification read them';
COMMENT ON COLUMN kept_settled_items.kept_close_seq IS 'the close whose classification kept it';
COMMENT ON COLUMN kept_settled_items.shop_id IS 'the shop';
COMMENT ON COLUMN kept_settled_items.close_seq IS 'the close that settled it';
COMMENT ON COLUMN kept_settled_items.reference IS 'the ersReference';
COMMENT ON COLUMN kept_settled_items.file_id IS 'a post''s file';
COMMENT ON COLUMN kept_settled_items.line IS 'a post''s line';
COMMENT ON COLUMN kept_settled_items.seqr_n IS 'a SEQR row''s number under its reference';
COMMENT ON COLUMN kept_settled_items.terminal_id IS 'the terminal';
COMMENT ON COLUMN kept_settled_items.amount IS 'the amount';
COMMENT ON COLUMN kept_settled_items.posted_at IS 'a post''s time';
COMMENT ON COLUMN kept_settled_items.archived IS 'its post or SEQR row had been moved out of the database';
