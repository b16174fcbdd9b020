-- summary.csv: one row per terminal and a shop total row (empty terminal_id), last.
-- Counts and totals cover the transactions of this close's classification
-- (journal invoices and summary checks count only as exceptions).
-- difference = local_total - seqr_total.
WITH r AS (
    SELECT *, (local_key IS NOT NULL OR seqr_key LIKE 'S:%') AS is_transaction
    FROM recon_results WHERE shop_id = $shop_id AND close_seq = $close_seq
)
SELECT CAST($shop_id AS VARCHAR) AS shop_id,
       any_value(period_id) AS period_id,
       terminal_id,
       count(*) FILTER (WHERE seqr_key LIKE 'S:%') AS seqr_count,
       coalesce(sum(seqr_amount) FILTER (WHERE seqr_key LIKE 'S:%'), 0)::DECIMAL(18,5) AS seqr_total,
       count(*) FILTER (WHERE local_key IS NOT NULL) AS local_count,
       coalesce(sum(local_amount) FILTER (WHERE local_key IS NOT NULL), 0)::DECIMAL(18,5) AS local_total,
       count(*) FILTER (WHERE category IN ('MATCHED', 'LATE_MATCHED')) AS matched_count,
       count(*) FILTER (WHERE category NOT IN ('MATCHED', 'LATE_MATCHED')) AS exception_count,
       (coalesce(sum(local_amount) FILTER (WHERE local_key IS NOT NULL), 0)
        - coalesce(sum(seqr_amount) FILTER (WHERE seqr_key LIKE 'S:%'), 0))::DECIMAL(18,5) AS difference
FROM r
GROUP BY GROUPING SETS ((terminal_id), ())
-- Items with no terminal (a shop-level summary check) count only in the total row.
HAVING grouping(terminal_id) = 1 OR terminal_id IS NOT NULL
ORDER BY grouping(terminal_id), terminal_id;
