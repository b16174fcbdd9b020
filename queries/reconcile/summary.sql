-- summary.csv: one row per terminal and a shop total row (empty terminal_id), last.
--
-- seqr_* and local_* are the period's own: SEQR rows of this close's periods,
-- and posts no earlier close classified. Items carried over from earlier
-- periods (open exceptions classified again, late matches) are counted apart
-- in carried_over_*, so a month of summaries adds up without counting an item
-- twice. matched_count and exception_count cover every item of this close.
-- difference = local_total - seqr_total, of the period's own. The shop's and the terminal's configured
-- names follow their ids.
WITH r AS (
    SELECT * FROM recon_results WHERE shop_id = $shop_id AND close_seq = $close_seq
),
seqr_own AS (
    SELECT DISTINCT s.ers_reference FROM seqr_rows s
    SEMI JOIN periods p ON p.period_id = s.period_id AND p.shop_id = $shop_id AND p.close_seq = $close_seq
),
earlier_local AS (
    SELECT DISTINCT local_key FROM recon_results
    WHERE shop_id = $shop_id AND close_seq < $close_seq AND local_key IS NOT NULL
),
x AS (
    SELECT r.terminal_id, t.name AS terminal_name, r.category, r.period_id, r.seqr_amount, r.local_amount,
           (r.seqr_key LIKE 'S:%' AND so.ers_reference IS NOT NULL) AS seqr_own,
           (r.seqr_key LIKE 'S:%' AND so.ers_reference IS NULL) AS seqr_carried,
           (r.local_key IS NOT NULL AND el.local_key IS NULL) AS local_own,
           (el.local_key IS NOT NULL) AS local_carried
    FROM r
    LEFT JOIN seqr_own so ON so.ers_reference = r.ers_reference AND r.seqr_key LIKE 'S:%'
    LEFT JOIN earlier_local el ON el.local_key = r.local_key
    LEFT JOIN terminals t ON t.terminal_id = r.terminal_id
)
SELECT CAST($shop_id AS VARCHAR) AS shop_id,
       (SELECT name FROM shops WHERE shop_id = $shop_id) AS shop_name,
       any_value(period_id) AS period_id,
       terminal_id,
       CASE WHEN grouping(terminal_id) = 0 THEN any_value(terminal_name) END AS terminal_name,
       count(*) FILTER (WHERE seqr_own) AS seqr_count,
       coalesce(sum(seqr_amount) FILTER (WHERE seqr_own), 0)::DECIMAL(18,5) AS seqr_total,
       count(*) FILTER (WHERE local_own) AS local_count,
       coalesce(sum(local_amount) FILTER (WHERE local_own), 0)::DECIMAL(18,5) AS local_total,
       count(*) FILTER (WHERE category IN ('MATCHED', 'LATE_MATCHED')) AS matched_count,
       count(*) FILTER (WHERE category NOT IN ('MATCHED', 'LATE_MATCHED')) AS exception_count,
       (coalesce(sum(local_amount) FILTER (WHERE local_own), 0)
        - coalesce(sum(seqr_amount) FILTER (WHERE seqr_own), 0))::DECIMAL(18,5) AS difference,
       count(*) FILTER (WHERE seqr_carried OR local_carried) AS carried_over_count,
       coalesce(sum(seqr_amount) FILTER (WHERE seqr_carried), 0)::DECIMAL(18,5) AS carried_over_seqr_total,
       coalesce(sum(local_amount) FILTER (WHERE local_carried), 0)::DECIMAL(18,5) AS carried_over_local_total
FROM x
GROUP BY GROUPING SETS ((terminal_id), ())
-- Items with no terminal (a shop-level summary check) count only in the total row.
HAVING grouping(terminal_id) = 1 OR terminal_id IS NOT NULL
ORDER BY grouping(terminal_id), terminal_id;
