-- The invoice-journal rows just read (pos_raw), with their lines, trimmed and
-- typed as stage_posts.sql does for posts (the line is found the same way).
CREATE OR REPLACE TEMP TABLE pos_staged AS
WITH skipped AS (
    SELECT line FROM pos_blank_lines UNION SELECT line FROM pos_reject_errors
),
numbered AS (SELECT line - row_number() OVER (ORDER BY line) AS gap, row_number() OVER (ORDER BY line) AS n FROM skipped),
gaps AS (SELECT gap, max(n) AS n FROM numbered GROUP BY gap),
trimmed AS (
    SELECT r.ordinality + 1 + coalesce(g.n, 0) AS line, trim(r.shop_id) AS shop_id, trim(r.terminal_id) AS terminal_id,
           trim(r.invoice_reference) AS invoice_reference, trim(r.amount) AS amount_text, trim(r.currency) AS currency,
           trim(r.sent_at) AS sent_at_text, NULLIF(trim(r.last_status), '') AS last_status,
           NULLIF(trim(r.last_polled_at), '') AS last_polled_at_text
    FROM pos_raw r ASOF LEFT JOIN gaps g ON r.ordinality >= g.gap
)
SELECT t.*, s.currency AS shop_currency,
       CASE WHEN regexp_full_match(t.amount_text, '[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)')
                 AND length(split_part(t.amount_text, '.', 2)) <= 5
            THEN TRY_CAST(t.amount_text AS DECIMAL(18,5)) END AS amount,
       CASE WHEN regexp_full_match(t.sent_at_text,
                 '[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})')
            THEN CAST(TRY_CAST(t.sent_at_text AS TIMESTAMPTZ) AS TIMESTAMP) END AS sent_at,
       CASE WHEN regexp_full_match(t.last_polled_at_text,
                 '[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})')
            THEN CAST(TRY_CAST(t.last_polled_at_text AS TIMESTAMPTZ) AS TIMESTAMP) END AS last_polled_at
FROM trimmed t LEFT JOIN pos_shops s ON s.shop_id = t.shop_id;
