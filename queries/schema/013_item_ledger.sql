-- What later closes need to know of a close, stored when the close decides it: a close reads
-- its own night, its open items and these, never every earlier close's result.

-- The POS files a close had seen when it classified, and its first mark: a later close reads
-- the posts of later files, and of earlier files those made after that mark (not yet due then).
CREATE TABLE close_cursors (
    shop_id        VARCHAR NOT NULL,
    close_seq      BIGINT NOT NULL,
    last_file_id   BIGINT NOT NULL,
    first_mark_at  TIMESTAMP NOT NULL
);

-- What a close matched (MATCHED or LATE_MATCHED), by the reference later rows are looked up
-- with: a post (file_id, line), a SEQR row (seqr_n, the n of its key 'S:reference#n'), both (a
-- pair matched at once, which shares reference, terminal and amount), or an invoice (neither). With its terminal, amount and time, it stands in for the post or SEQR row
-- once `seqr-recon archive` has moved that out: a later copy is still a copy of it, and a later
-- row under its reference is still numbered after it.
CREATE TABLE settled_items (
    shop_id      VARCHAR NOT NULL,
    close_seq    BIGINT NOT NULL,
    reference    VARCHAR NOT NULL,    -- the post's or SEQR row's ersReference, or the invoice reference
    file_id      BIGINT,
    line         BIGINT,
    seqr_n       BIGINT,
    terminal_id  VARCHAR,
    amount       DECIMAL(18,5),
    posted_at    TIMESTAMP,           -- a post's time
    archived     BOOLEAN NOT NULL DEFAULT false  -- its post or SEQR row was moved out of the database
);

-- Each item a close showed as an exception, once: the close, period and category it was first
-- shown in, and the close that matched it (NULL while it is open).
CREATE TABLE item_firsts (
    shop_id            VARCHAR NOT NULL,
    item_key           VARCHAR NOT NULL,
    reference          VARCHAR NOT NULL,
    close_seq          BIGINT NOT NULL,
    first_period       VARCHAR,
    first_category     VARCHAR NOT NULL,
    settled_close_seq  BIGINT
);

-- From the results already stored. No cursor is derived: the next close of each shop reads
-- all its posts once, and writes one.
INSERT INTO settled_items (shop_id, close_seq, reference, file_id, line, seqr_n, terminal_id, amount, posted_at)
SELECT i.shop_id, i.close_seq, i.ers_reference, i.local_file_id, i.local_line, 1, i.terminal_id, i.local_amount, i.posted_at
FROM recon_items i WHERE i.local_file_id IS NOT NULL
UNION ALL
SELECT i.shop_id, i.close_seq, p.ers_reference, p.file_id, p.line, NULL, p.terminal_id, p.amount, p.posted_at
FROM recon_items i JOIN pos_posts p
  ON p.file_id = CAST(split_part(i.local_key, ':', 2) AS BIGINT) AND p.line = CAST(split_part(i.local_key, ':', 3) AS BIGINT)
WHERE i.category IN ('MATCHED', 'LATE_MATCHED') AND i.local_key LIKE 'P:%'
UNION ALL
SELECT i.shop_id, i.close_seq, split_part(substr(i.seqr_key, 3), '#', 1), NULL, NULL,
       coalesce(try_cast(nullif(split_part(substr(i.seqr_key, 3), '#', 2), '') AS BIGINT), 1), i.terminal_id, i.seqr_amount, NULL
FROM recon_items i WHERE i.category IN ('MATCHED', 'LATE_MATCHED') AND i.seqr_key LIKE 'S:%'
UNION ALL
SELECT i.shop_id, i.close_seq, substr(i.invoice_key, 3), NULL, NULL, NULL, i.terminal_id, i.local_amount, NULL
FROM recon_items i WHERE i.category IN ('MATCHED', 'LATE_MATCHED') AND i.invoice_key LIKE 'I:%';

INSERT INTO item_firsts
WITH shown AS (
    SELECT i.shop_id, i.local_key AS item_key, p.ers_reference AS reference, i.close_seq, i.item_period_id, i.category
    FROM recon_items i JOIN pos_posts p
      ON p.file_id = CAST(split_part(i.local_key, ':', 2) AS BIGINT) AND p.line = CAST(split_part(i.local_key, ':', 3) AS BIGINT)
    WHERE i.category NOT IN ('MATCHED', 'LATE_MATCHED') AND i.local_key LIKE 'P:%'
    UNION ALL
    SELECT shop_id, seqr_key, split_part(substr(seqr_key, 3), '#', 1), close_seq, item_period_id, category
    FROM recon_items WHERE category NOT IN ('MATCHED', 'LATE_MATCHED') AND seqr_key LIKE 'S:%'
    UNION ALL
    SELECT shop_id, invoice_key, substr(invoice_key, 3), close_seq, item_period_id, category
    FROM recon_items WHERE category NOT IN ('MATCHED', 'LATE_MATCHED') AND invoice_key LIKE 'I:%'
),
matched AS (
    SELECT shop_id, local_key AS item_key, close_seq FROM recon_items
    WHERE category IN ('MATCHED', 'LATE_MATCHED') AND local_key IS NOT NULL
    UNION ALL
    SELECT shop_id, seqr_key, close_seq FROM recon_items WHERE category IN ('MATCHED', 'LATE_MATCHED') AND seqr_key IS NOT NULL
    UNION ALL
    SELECT shop_id, invoice_key, close_seq FROM recon_items
    WHERE category IN ('MATCHED', 'LATE_MATCHED') AND invoice_key IS NOT NULL
)
SELECT s.shop_id, s.item_key, arg_min(s.reference, s.close_seq), min(s.close_seq),
       arg_min(s.item_period_id, s.close_seq), arg_min(s.category, s.close_seq),
       (SELECT min(m.close_seq) FROM matched m WHERE m.shop_id = s.shop_id AND m.item_key = s.item_key)
FROM shown s GROUP BY s.shop_id, s.item_key;

-- results_of_closes (009_results_of_closes.sql) looks up the posts of its compact rows by file
-- and line, instead of building a hash table on every post the shop ever sent.
CREATE OR REPLACE MACRO results_of_closes(closes) AS TABLE
WITH c AS (SELECT unnest(CAST(closes AS STRUCT(shop_id VARCHAR, close_seq BIGINT)[]), recursive := true)),
items AS (SELECT i.* FROM recon_items i SEMI JOIN c ON c.shop_id = i.shop_id AND c.close_seq = i.close_seq)
SELECT i.shop_id, i.close_seq, i.period_id, i.item_period_id, i.category,
       'P:' || CAST(i.local_file_id AS VARCHAR) || ':' || CAST(i.local_line AS VARCHAR) AS local_key,
       'S:' || i.ers_reference AS seqr_key,
       i.invoice_key, i.terminal_id, i.cashier_id, i.ers_reference, p.invoice_reference,
       i.local_amount, i.seqr_amount, i.difference, i.posted_at, i.detail, i.score
FROM items i JOIN pos_posts p ON p.file_id = i.local_file_id AND p.line = i.local_line
UNION ALL
SELECT i.shop_id, i.close_seq, i.period_id, i.item_period_id, i.category, i.local_key, i.seqr_key,
       i.invoice_key, i.terminal_id, i.cashier_id, i.ers_reference, i.invoice_reference,
       i.local_amount, i.seqr_amount, i.difference, i.posted_at, i.detail, i.score
FROM items i WHERE i.local_file_id IS NULL;

-- When `seqr-recon archive` moved the close's rows out of the database (NULL: not yet).
ALTER TABLE closes ADD COLUMN archived_at TIMESTAMP;

-- For each close in closes ({shop_id, close_seq}): the shop's previous close that classified,
-- the POS files it had seen and its first mark (10_classify.sql and checks.sql read from here).
CREATE MACRO previous_cursors(closes) AS TABLE
WITH t AS (SELECT unnest(CAST(closes AS STRUCT(shop_id VARCHAR, close_seq BIGINT)[]), recursive := true))
SELECT t.shop_id, arg_max(k.last_file_id, k.close_seq) AS last_file_id, arg_max(k.first_mark_at, k.close_seq) AS first_mark_at
FROM t JOIN close_cursors k ON k.shop_id = t.shop_id AND k.close_seq < t.close_seq
GROUP BY t.shop_id;

-- For each close in closes: the posts new to it, in three disjoint parts. A shop's first close
-- takes every post; a later one the posts of files loaded since its previous close, and those of
-- earlier files made after that close's first mark (not yet due then).
CREATE MACRO posts_new_to(closes) AS TABLE
WITH t AS (SELECT unnest(CAST(closes AS STRUCT(shop_id VARCHAR, close_seq BIGINT)[]), recursive := true)),
since AS (FROM previous_cursors(closes))
SELECT p.shop_id, p.file_id, p.line, p.ers_reference, p.amount, p.posted_at FROM pos_posts p
JOIN (SELECT shop_id FROM t ANTI JOIN since s ON s.shop_id = t.shop_id) f ON f.shop_id = p.shop_id
UNION ALL
SELECT p.shop_id, p.file_id, p.line, p.ers_reference, p.amount, p.posted_at FROM pos_posts p
JOIN since s ON s.shop_id = p.shop_id AND p.file_id > s.last_file_id
UNION ALL
SELECT p.shop_id, p.file_id, p.line, p.ers_reference, p.amount, p.posted_at FROM pos_posts p
JOIN since s ON s.shop_id = p.shop_id AND p.posted_at >= s.first_mark_at
WHERE p.file_id <= s.last_file_id;

-- For each close in closes: the items earlier closes showed and none matched, but for those
-- resolved by hand (whose other side, arriving later, is new to the close).
CREATE MACRO open_items_of(closes) AS TABLE
WITH t AS (SELECT unnest(CAST(closes AS STRUCT(shop_id VARCHAR, close_seq BIGINT)[]), recursive := true))
SELECT f.shop_id, f.item_key, f.reference FROM item_firsts f
JOIN t ON t.shop_id = f.shop_id AND f.close_seq < t.close_seq
WHERE (f.settled_close_seq IS NULL OR f.settled_close_seq >= t.close_seq)
  AND f.item_key NOT IN (SELECT item_key FROM exception_resolutions);
