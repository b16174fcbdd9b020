-- Self-checks of each close in $closes ({shop_id, close_seq}, at most one
-- close per shop), run after reconciling and before anything is exported or
-- emailed. Every row returned is a failure of the close of its shop_id; none
-- means the closes may be sent. Like 10_classify.sql, it checks the closes
-- ready at the same moment together, and carries shop_id through every join.
-- Written apart from 10_classify.sql on purpose, so a fault there is not
-- repeated here.
WITH
todo AS (SELECT unnest(CAST($closes AS STRUCT(shop_id VARCHAR, close_seq BIGINT)[]), recursive := true)),
cur AS (SELECT p.* FROM periods p SEMI JOIN todo t ON t.shop_id = p.shop_id AND t.close_seq = p.close_seq),
-- SEQR's rows and summaries of these closes' periods (schema/017_seqr_rows_of_closes.sql).
cur_rows AS NOT MATERIALIZED (FROM seqr_rows_of_closes($closes)),
cur_summaries AS NOT MATERIALIZED (FROM seqr_summaries_of_closes($closes)),
results AS MATERIALIZED (
    SELECT x.shop_id, x.category, x.local_key, x.seqr_key, x.local_amount, x.seqr_amount FROM results_of_closes($closes) x
),
-- The rows this close reads, as 10_classify.sql chooses them: posts loaded since
-- the shop's previous close or made after its first mark, this close's SEQR
-- rows, and the items earlier closes left open (schema/013_item_ledger.sql).
since AS (FROM previous_cursors($closes)),
-- The references whose rows the shops' previous classifications kept (schema/022_kept_rows.sql).
kept_refs AS MATERIALIZED (FROM kept_references_of($closes)),
-- By file and line, which name a post: its key is not built again for every post read. An open
-- post under a kept reference is read from what was kept.
open_posts AS MATERIALIZED (
    SELECT o.shop_id, CAST(split_part(o.item_key, ':', 2) AS BIGINT) AS file_id,
           CAST(split_part(o.item_key, ':', 3) AS BIGINT) AS line,
           EXISTS (SELECT 1 FROM kept_refs k WHERE k.shop_id = o.shop_id AND k.reference = o.reference) AS kept
    FROM open_items_of($closes) o WHERE o.item_key LIKE 'P:%'
),
-- The posts new to the close and its open posts of the rest: disjoint, so
-- nothing is made distinct.
read_posts AS MATERIALIZED (
    FROM posts_new_to($closes)
    UNION ALL
    SELECT p.shop_id, p.file_id, p.line, p.ers_reference, p.amount, p.posted_at FROM pos_posts p
    JOIN since s ON s.shop_id = p.shop_id
    SEMI JOIN (SELECT * FROM open_posts WHERE NOT kept) o ON o.shop_id = p.shop_id AND o.file_id = p.file_id AND o.line = p.line
    WHERE p.file_id <= s.last_file_id AND p.posted_at < s.first_mark_at
    UNION ALL
    SELECT p.shop_id, p.file_id, p.line, p.ers_reference, p.amount, p.posted_at FROM kept_posts_of($closes) p
    JOIN since s ON s.shop_id = p.shop_id
    SEMI JOIN (SELECT * FROM open_posts WHERE kept) o ON o.shop_id = p.shop_id AND o.file_id = p.file_id AND o.line = p.line
    WHERE p.file_id <= s.last_file_id AND p.posted_at < s.first_mark_at
),
-- Each close's stretch: from the shop's previous classification (0: none), whose self-check
-- covered every close and period before it, to the close. Checks 6 and 7 read this stretch
-- only, never the shop's whole history.
stretch AS MATERIALIZED (
    SELECT t.shop_id, t.close_seq, coalesce(s.close_seq, 0) AS since_seq FROM todo t LEFT JOIN since s ON s.shop_id = t.shop_id
),
cur_seqr_refs AS (SELECT DISTINCT shop_id, ers_reference FROM cur_rows),
-- What earlier closes matched of these rows (what accountants resolved by hand is read where it is used).
-- Not what this close matched: the close is checked against the rows, not against its own result.
read_refs AS MATERIALIZED (SELECT shop_id, ers_reference FROM read_posts UNION SELECT shop_id, ers_reference FROM cur_seqr_refs),
-- Read as 10_classify.sql reads them: the references made since the earliest previous mark
-- between their least and greatest, the older ones from what was kept or each by itself.
night_refs_from AS (SELECT coalesce(strftime(min(first_mark_at), '%Y%m%d%H%M%S'), '') AS reference FROM since),
recent_refs AS MATERIALIZED (SELECT * FROM read_refs WHERE ers_reference >= (SELECT reference FROM night_refs_from)),
older_refs AS MATERIALIZED (SELECT * FROM read_refs WHERE ers_reference < (SELECT reference FROM night_refs_from)),
-- An older reference nobody kept: settled up to the close where its night ends (before this
-- close), or in a later close noted in late_references (schema/023_late_references.sql).
looked_up_until AS MATERIALIZED (
    SELECT r.shop_id, r.ers_reference, coalesce(min(e.close_seq), any_value(t.close_seq) - 1) AS close_seq,
           any_value(t.close_seq) AS this_close
    FROM older_refs r JOIN todo t ON t.shop_id = r.shop_id
    LEFT JOIN night_ends_of($closes) e ON e.shop_id = r.shop_id AND e.first_mark_reference > r.ers_reference
    WHERE NOT EXISTS (SELECT 1 FROM kept_refs k WHERE k.shop_id = r.shop_id AND k.reference = r.ers_reference)
    GROUP BY r.shop_id, r.ers_reference
),
settled_here AS MATERIALIZED (
    SELECT s.* FROM settled_items s JOIN todo t ON t.shop_id = s.shop_id AND s.close_seq < t.close_seq
    SEMI JOIN recent_refs r ON r.shop_id = s.shop_id AND r.ers_reference = s.reference
    WHERE s.reference >= (SELECT min(ers_reference) FROM recent_refs)
      AND s.reference <= (SELECT max(ers_reference) FROM recent_refs)
    UNION ALL
    SELECT s.* FROM looked_up_until r
    JOIN settled_items s ON s.shop_id = r.shop_id AND s.reference = r.ers_reference AND s.close_seq <= r.close_seq
    WHERE s.close_seq <= coalesce((SELECT max(close_seq) FROM looked_up_until), -1)
    UNION ALL
    SELECT s.* FROM settled_items s
    SEMI JOIN (
        SELECT l.* FROM late_references l
        JOIN looked_up_until r ON r.shop_id = l.shop_id AND r.ers_reference = l.reference
         AND l.close_seq > r.close_seq AND l.close_seq < r.this_close
        WHERE l.file_id IS NULL
    ) l ON l.shop_id = s.shop_id AND l.close_seq = s.close_seq AND l.reference = s.reference
    UNION ALL
    SELECT s.* FROM kept_settled_items_of($closes) s JOIN todo t ON t.shop_id = s.shop_id AND s.close_seq < t.close_seq
    SEMI JOIN (FROM older_refs r SEMI JOIN kept_refs k ON k.shop_id = r.shop_id AND k.reference = r.ers_reference) r
      ON r.shop_id = s.shop_id AND r.ers_reference = s.reference
),
settled_before AS (
    SELECT s.shop_id, 'P:' || CAST(s.file_id AS VARCHAR) || ':' || CAST(s.line AS VARCHAR) AS k FROM settled_here s
    WHERE s.file_id IS NOT NULL
    UNION ALL
    SELECT s.shop_id, 'S:' || s.reference || CASE WHEN s.seqr_n > 1 THEN '#' || CAST(s.seqr_n AS VARCHAR) ELSE '' END
    FROM settled_here s
    WHERE s.seqr_n IS NOT NULL
),
-- Between the least and greatest of the periods' ids, as seqr_rows_of_closes reads SEQR's rows.
reports AS (
    SELECT cur.shop_id, rp.* FROM seqr_reports rp JOIN cur ON cur.period_id = rp.period_id
    WHERE rp.period_id >= (SELECT min(period_id) FROM cur) AND rp.period_id <= (SELECT max(period_id) FROM cur)
),
stored AS (
    SELECT period_id, report_id, count(*) AS n, sum(amount) AS total FROM cur_rows GROUP BY ALL
    UNION ALL
    SELECT period_id, report_id, count(*), sum(sales_total) FROM cur_summaries GROUP BY ALL
),
-- Each distinct SEQR row of this close with its key: 'S:ref', or 'S:ref#n'
-- for the n-th distinct row SEQR lists under a shared reference (a row
-- repeated with the same terminal and amount counts once).
-- Every SEQR row under the references of this close's rows.
cur_ref_rows AS MATERIALIZED (
    SELECT r.* FROM seqr_rows r SEMI JOIN cur_seqr_refs c ON c.shop_id = r.shop_id AND c.ers_reference = r.ers_reference
),
-- The periods of those rows, read between the least and greatest of their ids.
ref_periods AS MATERIALIZED (
    SELECT p.* FROM periods p
    WHERE p.period_id >= (SELECT min(period_id) FROM cur_ref_rows) AND p.period_id <= (SELECT max(period_id) FROM cur_ref_rows)
),
-- SEQR rows `seqr-recon archive` moved out, as settled_items keeps them (numbered first in their close).
archived_seqr AS (
    SELECT s.shop_id, '' AS period_id, NULL AS report_id, s.seqr_n AS row_no, s.terminal_id, s.amount,
           s.reference AS ers_reference, s.close_seq
    FROM settled_here s
    ANTI JOIN (SELECT r.shop_id, r.ers_reference, p.close_seq FROM cur_ref_rows r JOIN ref_periods p ON p.period_id = r.period_id) x
      ON x.shop_id = s.shop_id AND x.ers_reference = s.reference AND x.close_seq <= s.close_seq
    WHERE s.archived AND s.seqr_n IS NOT NULL
),
shared AS (
    SELECT shop_id, ers_reference FROM (
        SELECT shop_id, ers_reference FROM cur_ref_rows
        UNION ALL
        SELECT shop_id, ers_reference FROM archived_seqr
    )
    GROUP BY ALL HAVING count(*) > 1
),
seqr_keyed AS MATERIALIZED (
    SELECT r.shop_id, r.period_id, r.row_no, r.report_id, r.ers_reference, r.amount, 'S:' || r.ers_reference AS k
    FROM cur_rows r
    ANTI JOIN shared x ON x.shop_id = r.shop_id AND x.ers_reference = r.ers_reference
    UNION ALL
    SELECT shop_id, period_id, row_no, report_id, ers_reference, amount,
           'S:' || ers_reference || CASE WHEN n > 1 THEN '#' || CAST(n AS VARCHAR) ELSE '' END
    FROM (
        SELECT d.*, row_number() OVER (PARTITION BY d.shop_id, d.ers_reference ORDER BY d.close_seq, d.period_id, d.row_no) AS n
        FROM (
            SELECT r.* FROM (
                SELECT r.shop_id, r.period_id, r.report_id, r.row_no, r.terminal_id, r.amount, r.ers_reference, p.close_seq
                FROM cur_ref_rows r JOIN ref_periods p ON p.period_id = r.period_id AND p.shop_id = r.shop_id
                -- By shop as well: on close_seq alone, every period of every shop meets each close of
                -- the round before the rows narrow them.
                JOIN todo t ON t.shop_id = p.shop_id AND p.close_seq <= t.close_seq
                UNION ALL
                SELECT * FROM archived_seqr
            ) r
            SEMI JOIN shared x ON x.shop_id = r.shop_id AND x.ers_reference = r.ers_reference
            QUALIFY row_number() OVER (PARTITION BY r.shop_id, r.ers_reference, r.terminal_id, r.amount
                                       ORDER BY r.close_seq, r.period_id, r.row_no) = 1
        ) d
    )
    WHERE period_id IN (SELECT period_id FROM cur)
),
-- Posts made before the close's first mark, with their keys.
posts_due AS MATERIALIZED (
    SELECT p.shop_id, p.file_id, p.line, p.ers_reference, p.amount,
           'P:' || CAST(p.file_id AS VARCHAR) || ':' || CAST(p.line AS VARCHAR) AS k
    FROM read_posts p JOIN (SELECT shop_id, min(marked_at) AS first_mark FROM cur GROUP BY shop_id) m ON m.shop_id = p.shop_id
    WHERE p.posted_at < m.first_mark
),
-- The open items to account for: SEQR's rows of the close ('S:' keys) and
-- the posts made before its first mark ('P:' keys), but those settled before
-- or resolved by hand.
accountable AS (
    SELECT o.* FROM (FROM seqr_keyed UNION ALL BY NAME FROM posts_due) o
    ANTI JOIN settled_before b ON b.shop_id = o.shop_id AND b.k = o.k
    ANTI JOIN exception_resolutions r ON r.item_key = o.k
),
-- What the result carries under each key: the amounts of all its rows, so a
-- key carried twice shows in the tie.
result_keys AS (
    SELECT shop_id, k, sum(amount) AS amount FROM (
        SELECT shop_id, seqr_key AS k, seqr_amount AS amount FROM results WHERE seqr_key IS NOT NULL
        UNION ALL
        SELECT shop_id, local_key, local_amount FROM results WHERE local_key IS NOT NULL
    ) GROUP BY ALL
),
-- Each shop's open items against what the result carries for them, in one
-- pass: the totals of both sides, and the items no result row carries. An
-- item settled before is accounted for already, so an open one is accounted
-- for by this close's result or not at all.
item_tally AS MATERIALIZED (
    SELECT o.shop_id,
           coalesce(sum(o.amount) FILTER (WHERE o.k LIKE 'S:%'), 0) AS seqr_rows_total,
           coalesce(sum(x.amount) FILTER (WHERE o.k LIKE 'S:%'), 0) AS seqr_result_total,
           coalesce(sum(o.amount) FILTER (WHERE o.k LIKE 'P:%'), 0) AS posts_total,
           coalesce(sum(x.amount) FILTER (WHERE o.k LIKE 'P:%'), 0) AS local_result_total,
           list(o) FILTER (WHERE x.k IS NULL) AS unaccounted
    FROM accountable o LEFT JOIN result_keys x ON x.shop_id = o.shop_id AND x.k = o.k
    GROUP BY o.shop_id
),
unaccounted AS (SELECT unnest(unaccounted, recursive := true) FROM item_tally),
-- Each scope's periods in close order, to find overlaps.
scoped AS (
    SELECT p.shop_id, p.period_id, coalesce(p.terminal_id, 'shop') AS scope, p.close_seq, t.close_seq AS checked_close,
           p.marked_at,
           lag(p.marked_at) OVER (PARTITION BY p.shop_id, coalesce(p.terminal_id, 'shop') ORDER BY p.close_seq, p.marked_at)
               AS previous_mark,
           lag(p.period_id) OVER (PARTITION BY p.shop_id, coalesce(p.terminal_id, 'shop') ORDER BY p.close_seq, p.marked_at)
               AS previous_period
    FROM periods p JOIN stretch t ON t.shop_id = p.shop_id AND p.close_seq BETWEEN t.since_seq AND t.close_seq
    WHERE p.close_seq >= (SELECT min(since_seq) FROM stretch)
)

-- 1. The store kept every row the parser read.
SELECT rp.shop_id, 'report_rows_stored' AS check_name,
       'report ' || rp.report_id || ' of period ' || rp.period_id || ': the parser read ' || CAST(rp.parsed_rows AS VARCHAR)
           || ' rows totalling ' || CAST(rp.parsed_total AS VARCHAR) || ', the database holds '
           || CAST(coalesce(st.n, 0) AS VARCHAR) || ' totalling ' || CAST(coalesce(st.total, 0) AS VARCHAR) AS detail
FROM reports rp LEFT JOIN stored st USING (period_id, report_id)
WHERE rp.parsed_rows IS NOT NULL
  AND (rp.parsed_rows <> coalesce(st.n, 0) OR rp.parsed_total <> coalesce(st.total, 0))

UNION ALL
-- 2. SEQR side: every detail row is matched or an exception.
SELECT r.shop_id, 'seqr_rows_accounted',
       'SEQR row ' || CAST(r.row_no AS VARCHAR) || ' of ' || r.report_id || ', period ' || r.period_id
           || ' (ersReference ' || r.ers_reference || ') is neither matched nor an exception'
FROM unaccounted r WHERE r.k LIKE 'S:%'

UNION ALL
-- 2b. The SEQR amounts of the result tie back to SEQR's rows: no row lost or
-- merged into another under a shared reference.
SELECT shop_id, 'seqr_amounts_tie',
       'SEQR''s open rows of this close total ' || CAST(seqr_rows_total AS VARCHAR) || ', the result carries '
           || CAST(seqr_result_total AS VARCHAR) || ' for them'
FROM item_tally
WHERE seqr_rows_total <> seqr_result_total

UNION ALL
-- 2c. The till amounts of the result tie back to the posts.
SELECT shop_id, 'local_amounts_tie',
       'the open posts made before the mark total ' || CAST(posts_total AS VARCHAR) || ', the result carries '
           || CAST(local_result_total AS VARCHAR) || ' for them'
FROM item_tally
WHERE posts_total <> local_result_total

UNION ALL
-- 3. Local side: every post made before the close's first mark is matched or an exception.
SELECT p.shop_id, 'local_posts_accounted',
       'post at file:line ' || CAST(p.file_id AS VARCHAR) || ':' || CAST(p.line AS VARCHAR)
           || ' (ersReference ' || p.ers_reference || ') is neither matched nor an exception'
FROM unaccounted p WHERE p.k LIKE 'P:%'

UNION ALL
-- 4. A detail total that does not tie to its summary must have been raised.
SELECT cur.shop_id, 'summary_ties_to_details',
       'period ' || cur.period_id || ': SEQR''s summary says ' || CAST(sm.total AS VARCHAR) || ', its details add up to '
           || CAST(coalesce(dt.total, 0) AS VARCHAR) || ', and no SUMMARY_MISMATCH was raised'
FROM cur
JOIN (SELECT period_id, sum(sales_count) AS n, sum(sales_total) AS total FROM cur_summaries GROUP BY period_id) sm
  ON sm.period_id = cur.period_id
LEFT JOIN (SELECT period_id, count(*) AS n, sum(amount) AS total FROM cur_rows GROUP BY period_id) dt
  ON dt.period_id = cur.period_id
ANTI JOIN results x ON x.shop_id = cur.shop_id AND x.category = 'SUMMARY_MISMATCH' AND x.seqr_key = 'M:' || cur.period_id
WHERE sm.n <> coalesce(dt.n, 0) OR sm.total <> coalesce(dt.total, 0)

UNION ALL
-- 5. Every period of the close has both its detail and its summary report.
SELECT cur.shop_id, 'period_reported',
       'period ' || cur.period_id || ' (' || coalesce(cur.terminal_id, 'shop') || ') has '
           || CAST(coalesce(rc.n, 0) AS VARCHAR) || ' of its 2 reports stored; it was never reported'
FROM cur LEFT JOIN (SELECT period_id, count(*) AS n FROM reports GROUP BY period_id) rc ON rc.period_id = cur.period_id
WHERE coalesce(rc.n, 0) < 2

UNION ALL
-- 6. Consecutive periods of one shop or terminal do not overlap: each is marked after the one before
-- (for the stretch's first, the last of the shop's previous classification).
SELECT shop_id, 'periods_do_not_overlap',
       'period ' || period_id || ' of ' || scope || ' was marked at ' || CAST(marked_at AS VARCHAR)
           || ', before the previous period ' || previous_period || ' (' || CAST(previous_mark AS VARCHAR) || ')'
FROM scoped
WHERE close_seq = checked_close AND previous_mark IS NOT NULL AND marked_at < previous_mark

UNION ALL
-- 7. No period is missing: this close and every earlier close of its stretch has one.
SELECT c.shop_id, 'no_period_missing',
       'close ' || CAST(c.close_seq AS VARCHAR) || ' (' || c.close_id || ') has no period: it was lost or never marked'
FROM closes c JOIN stretch t ON t.shop_id = c.shop_id AND c.close_seq > t.since_seq AND c.close_seq <= t.close_seq
ANTI JOIN (FROM periods WHERE close_seq > (SELECT min(since_seq) FROM stretch)) p
  ON p.shop_id = c.shop_id AND p.close_seq = c.close_seq
WHERE c.close_seq > (SELECT min(since_seq) FROM stretch)
ORDER BY 1, 2, 3;
