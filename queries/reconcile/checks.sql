-- Self-checks of one close ($shop_id, $close_seq), run after reconciling and
-- before anything is exported or emailed. Every row returned is a failure;
-- none means the close may be sent. Written apart from 10_classify.sql on
-- purpose, so a fault there is not repeated here.
WITH
cur AS (SELECT * FROM periods WHERE shop_id = $shop_id AND close_seq = $close_seq),
results AS MATERIALIZED (
    SELECT category, local_key, seqr_key, local_amount, seqr_amount FROM recon_results
    WHERE shop_id = $shop_id AND close_seq = $close_seq
),
settled_before AS (
    SELECT local_key AS k FROM recon_results
        WHERE shop_id = $shop_id AND close_seq < $close_seq AND category IN ('MATCHED', 'LATE_MATCHED') AND local_key IS NOT NULL
    UNION ALL
    SELECT seqr_key FROM recon_results
        WHERE shop_id = $shop_id AND close_seq < $close_seq AND category IN ('MATCHED', 'LATE_MATCHED') AND seqr_key IS NOT NULL
    UNION ALL
    SELECT item_key FROM exception_resolutions
),
accounted AS (
    SELECT local_key AS k FROM results WHERE local_key IS NOT NULL
    UNION ALL SELECT seqr_key FROM results WHERE seqr_key IS NOT NULL
    UNION ALL SELECT k FROM settled_before
),
reports AS (
    SELECT rp.* FROM seqr_reports rp SEMI JOIN cur ON cur.period_id = rp.period_id
),
stored AS (
    SELECT period_id, report_id, count(*) AS n, sum(amount) AS total FROM seqr_rows
    WHERE period_id IN (SELECT period_id FROM cur) GROUP BY ALL
    UNION ALL
    SELECT period_id, report_id, count(*), sum(sales_total) FROM seqr_summaries
    WHERE period_id IN (SELECT period_id FROM cur) GROUP BY ALL
),
-- Each distinct SEQR row of this close with its key: 'S:ref', or 'S:ref#n'
-- for the n-th distinct row SEQR lists under a shared reference (a row
-- repeated with the same terminal and amount counts once).
shared AS (SELECT ers_reference FROM seqr_rows WHERE shop_id = $shop_id GROUP BY ALL HAVING count(*) > 1),
seqr_keyed AS MATERIALIZED (
    SELECT r.period_id, r.row_no, r.report_id, r.ers_reference, r.amount, 'S:' || r.ers_reference AS k
    FROM seqr_rows r SEMI JOIN cur ON cur.period_id = r.period_id
    ANTI JOIN shared x ON x.ers_reference = r.ers_reference
    UNION ALL
    SELECT period_id, row_no, report_id, ers_reference, amount,
           'S:' || ers_reference || CASE WHEN n > 1 THEN '#' || CAST(n AS VARCHAR) ELSE '' END
    FROM (
        SELECT d.*, row_number() OVER (PARTITION BY d.ers_reference ORDER BY d.close_seq, d.period_id, d.row_no) AS n
        FROM (
            SELECT r.*, p.close_seq FROM seqr_rows r JOIN periods p ON p.period_id = r.period_id
            SEMI JOIN shared x ON x.ers_reference = r.ers_reference
            WHERE r.shop_id = $shop_id AND p.close_seq <= $close_seq
            QUALIFY row_number() OVER (PARTITION BY r.ers_reference, r.terminal_id, r.amount
                                       ORDER BY p.close_seq, r.period_id, r.row_no) = 1
        ) d
    )
    WHERE period_id IN (SELECT period_id FROM cur)
),
seqr_open AS (SELECT * FROM seqr_keyed WHERE k NOT IN (SELECT k FROM settled_before)),
-- Posts made before the close's first mark, with their keys.
posts_due AS MATERIALIZED (
    SELECT p.file_id, p.line, p.ers_reference, p.amount, 'P:' || CAST(p.file_id AS VARCHAR) || ':' || CAST(p.line AS VARCHAR) AS k
    FROM pos_posts p
    WHERE p.shop_id = $shop_id AND p.posted_at < (SELECT min(marked_at) FROM cur)
),
posts_open AS (SELECT * FROM posts_due WHERE k NOT IN (SELECT k FROM settled_before)),
-- Each scope's periods in close order, to find overlaps.
scoped AS (
    SELECT period_id, coalesce(terminal_id, 'shop') AS scope, close_seq, marked_at,
           lag(marked_at) OVER (PARTITION BY coalesce(terminal_id, 'shop') ORDER BY close_seq, marked_at) AS previous_mark,
           lag(period_id) OVER (PARTITION BY coalesce(terminal_id, 'shop') ORDER BY close_seq, marked_at) AS previous_period
    FROM periods WHERE shop_id = $shop_id AND close_seq <= $close_seq
)

-- 1. The store kept every row the parser read.
SELECT 'report_rows_stored' AS check_name,
       'report ' || rp.report_id || ' of period ' || rp.period_id || ': the parser read ' || CAST(rp.parsed_rows AS VARCHAR)
           || ' rows totalling ' || CAST(rp.parsed_total AS VARCHAR) || ', the database holds '
           || CAST(coalesce(st.n, 0) AS VARCHAR) || ' totalling ' || CAST(coalesce(st.total, 0) AS VARCHAR) AS detail
FROM reports rp LEFT JOIN stored st USING (period_id, report_id)
WHERE rp.parsed_rows IS NOT NULL
  AND (rp.parsed_rows <> coalesce(st.n, 0) OR rp.parsed_total <> coalesce(st.total, 0))

UNION ALL
-- 2. SEQR side: every detail row is matched or an exception.
SELECT 'seqr_rows_accounted',
       'SEQR row ' || CAST(r.row_no AS VARCHAR) || ' of ' || r.report_id || ', period ' || r.period_id
           || ' (ersReference ' || r.ers_reference || ') is neither matched nor an exception'
FROM seqr_keyed r
WHERE r.k NOT IN (SELECT k FROM accounted)

UNION ALL
-- 2b. The SEQR amounts of the result tie back to SEQR's rows: no row lost or
-- merged into another under a shared reference.
SELECT 'seqr_amounts_tie',
       'SEQR''s open rows of this close total ' || CAST(rows_total AS VARCHAR) || ', the result carries '
           || CAST(result_total AS VARCHAR) || ' for them'
FROM (
    SELECT (SELECT coalesce(sum(amount), 0) FROM seqr_open) AS rows_total,
           (SELECT coalesce(sum(x.seqr_amount), 0) FROM results x WHERE x.seqr_key IN (SELECT k FROM seqr_open)) AS result_total
)
WHERE rows_total <> result_total

UNION ALL
-- 2c. The till amounts of the result tie back to the posts.
SELECT 'local_amounts_tie',
       'the open posts made before the mark total ' || CAST(posts_total AS VARCHAR) || ', the result carries '
           || CAST(result_total AS VARCHAR) || ' for them'
FROM (
    SELECT (SELECT coalesce(sum(amount), 0) FROM posts_open) AS posts_total,
           (SELECT coalesce(sum(x.local_amount), 0) FROM results x WHERE x.local_key IN (SELECT k FROM posts_open)) AS result_total
)
WHERE posts_total <> result_total

UNION ALL
-- 3. Local side: every post made before the close's first mark is matched or an exception.
SELECT 'local_posts_accounted',
       'post at file:line ' || CAST(p.file_id AS VARCHAR) || ':' || CAST(p.line AS VARCHAR)
           || ' (ersReference ' || p.ers_reference || ') is neither matched nor an exception'
FROM posts_due p
WHERE p.k NOT IN (SELECT k FROM accounted)

UNION ALL
-- 4. A detail total that does not tie to its summary must have been raised.
SELECT 'summary_ties_to_details',
       'period ' || cur.period_id || ': SEQR''s summary says ' || CAST(sm.total AS VARCHAR) || ', its details add up to '
           || CAST(coalesce(dt.total, 0) AS VARCHAR) || ', and no SUMMARY_MISMATCH was raised'
FROM cur
JOIN (SELECT period_id, sum(sales_count) AS n, sum(sales_total) AS total FROM seqr_summaries GROUP BY period_id) sm
  ON sm.period_id = cur.period_id
LEFT JOIN (SELECT period_id, count(*) AS n, sum(amount) AS total FROM seqr_rows GROUP BY period_id) dt
  ON dt.period_id = cur.period_id
ANTI JOIN results x ON x.category = 'SUMMARY_MISMATCH' AND x.seqr_key = 'M:' || cur.period_id
WHERE sm.n <> coalesce(dt.n, 0) OR sm.total <> coalesce(dt.total, 0)

UNION ALL
-- 5. Every period of the close has both its detail and its summary report.
SELECT 'period_reported',
       'period ' || cur.period_id || ' (' || coalesce(cur.terminal_id, 'shop') || ') has '
           || CAST(coalesce(rc.n, 0) AS VARCHAR) || ' of its 2 reports stored; it was never reported'
FROM cur LEFT JOIN (SELECT period_id, count(*) AS n FROM reports GROUP BY period_id) rc ON rc.period_id = cur.period_id
WHERE coalesce(rc.n, 0) < 2

UNION ALL
-- 6. Consecutive periods of one shop or terminal do not overlap: each is marked after the one before.
SELECT 'periods_do_not_overlap',
       'period ' || period_id || ' of ' || scope || ' was marked at ' || CAST(marked_at AS VARCHAR)
           || ', before the previous period ' || previous_period || ' (' || CAST(previous_mark AS VARCHAR) || ')'
FROM scoped
WHERE close_seq = $close_seq AND previous_mark IS NOT NULL AND marked_at < previous_mark

UNION ALL
-- 7. No period is missing: this close and every earlier close of the shop has one.
SELECT 'no_period_missing',
       'close ' || CAST(c.close_seq AS VARCHAR) || ' (' || c.close_id || ') has no period: it was lost or never marked'
FROM closes c ANTI JOIN periods p ON p.shop_id = c.shop_id AND p.close_seq = c.close_seq
WHERE c.shop_id = $shop_id AND c.close_seq <= $close_seq
ORDER BY 1, 2;
