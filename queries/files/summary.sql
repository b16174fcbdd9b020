-- summary.csv: one row per terminal and a shop total row (empty terminal_id), last.
--
-- seqr_* and local_* are the period's own: SEQR rows of this close's periods,
-- and posts no earlier close classified. Items carried over from earlier
-- periods (open exceptions classified again, late matches) are counted apart
-- in carried_over_*, so a month of summaries adds up without counting an item
-- twice. matched_count and exception_count cover every item of this close.
-- difference = local_total - seqr_total, of the period's own. The shop's and the terminal's configured
-- names follow their ids.
--
-- For each close in `closes` ({shop_id, close_seq}, at most one per shop):
-- the closes ready at the same moment are read together, as planning the
-- query costs more than running it for a small shop. Each shop's rows are in
-- the order below, its total row after its terminals.
CREATE OR REPLACE TEMP MACRO close_summary(closes) AS TABLE
WITH todo AS (SELECT unnest(CAST(closes AS STRUCT(shop_id VARCHAR, close_seq BIGINT)[]), recursive := true)),
seqr_own AS (SELECT DISTINCT shop_id, ers_reference FROM seqr_rows_of_closes(closes)),
x AS (
    SELECT r.shop_id, r.terminal_id, t.name AS terminal_name, r.category, r.period_id, r.seqr_amount, r.local_amount,
           (r.seqr_key LIKE 'S:%' AND so.ers_reference IS NOT NULL) AS seqr_own,
           (r.seqr_key LIKE 'S:%' AND so.ers_reference IS NULL) AS seqr_carried,
           -- A post an earlier close showed is carried over (the classification stored which close).
           (r.local_key IS NOT NULL AND r.post_first_close_seq IS NULL) AS local_own,
           (r.post_first_close_seq IS NOT NULL) AS local_carried
    FROM results_of_closes(closes) r
    LEFT JOIN seqr_own so ON so.shop_id = r.shop_id AND so.ers_reference = r.ers_reference AND r.seqr_key LIKE 'S:%'
    LEFT JOIN terminals t ON t.terminal_id = r.terminal_id
)
-- Every close has its total row, even with no items: each is grouped from `todo`.
SELECT CAST(todo.shop_id AS VARCHAR) AS shop_id,
       any_value(s.name) AS shop_name,
       any_value(x.period_id) AS period_id,
       x.terminal_id,
       CASE WHEN grouping(x.terminal_id) = 0 THEN any_value(x.terminal_name) END AS terminal_name,
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
FROM todo
LEFT JOIN x ON x.shop_id = todo.shop_id
LEFT JOIN shops s ON s.shop_id = todo.shop_id
GROUP BY GROUPING SETS ((todo.shop_id, x.terminal_id), (todo.shop_id))
-- Items with no terminal (a shop-level summary check) count only in the total row.
HAVING grouping(x.terminal_id) = 1 OR x.terminal_id IS NOT NULL
ORDER BY grouping(x.terminal_id), x.terminal_id;
