-- The transaction posts just read (pos_raw), each with its line in the file
-- and its values trimmed and typed: an amount of at most 5 decimal places that
-- fits DECIMAL(18,5), a time in RFC 3339 with its UTC offset, made UTC. A value
-- that is not so is NULL here, and check_posts.sql names it.
--
-- The line: the reader numbers only the rows it returns (ordinality); the
-- lines it skipped are the blank ones (pos_blank_lines, found while hashing the
-- file) and the rejected ones. A good row k is at line k + 1 + the number of
-- skipped lines before it, which is the number of skipped lines s_i (the i-th,
-- in order) with s_i - i <= k: an ASOF join on that nondecreasing gap.
CREATE OR REPLACE TEMP TABLE pos_staged AS
WITH skipped AS (
    SELECT line FROM pos_blank_lines UNION SELECT line FROM pos_reject_errors
),
numbered AS (SELECT line - row_number() OVER (ORDER BY line) AS gap, row_number() OVER (ORDER BY line) AS n FROM skipped),
gaps AS (SELECT gap, max(n) AS n FROM numbered GROUP BY gap),
trimmed AS (
    SELECT r.ordinality + 1 + coalesce(g.n, 0) AS line, trim(r.shop_id) AS shop_id, trim(r.terminal_id) AS terminal_id,
           NULLIF(trim(r.cashier_id), '') AS cashier_id, trim(r.ers_reference) AS ers_reference,
           NULLIF(trim(r.invoice_reference), '') AS invoice_reference, trim(r.amount) AS amount_text,
           trim(r.currency) AS currency, trim(r.kind) AS kind, NULLIF(r.description, '') AS description,
           trim(r.posted_at) AS posted_at_text
    FROM pos_raw r ASOF LEFT JOIN gaps g ON r.ordinality >= g.gap
)
SELECT t.*, s.currency AS shop_currency,
       CASE WHEN regexp_full_match(t.amount_text, '[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)')
                 AND length(split_part(t.amount_text, '.', 2)) <= 5
            THEN TRY_CAST(t.amount_text AS DECIMAL(18,5)) END AS amount,
       CASE WHEN regexp_full_match(t.posted_at_text,
                 '[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})')
            THEN CAST(TRY_CAST(t.posted_at_text AS TIMESTAMPTZ) AS TIMESTAMP) END AS posted_at
FROM trimmed t LEFT JOIN pos_shops s ON s.shop_id = t.shop_id;
