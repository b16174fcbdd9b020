-- For `lake check`: the rows and amount totals of each lake table of close $close_seq of shop
-- $shop_id, as the database holds them (the macros of this folder). A table with no local or no
-- SEQR amount column has a NULL total there.
SELECT 'transactions' AS table_name, count(*) AS row_count,
       CAST(sum(local_amount) AS DECIMAL(18,5)) AS local_total, CAST(sum(seqr_amount) AS DECIMAL(18,5)) AS seqr_total
FROM lake_transactions($shop_id, $close_seq)
UNION ALL
SELECT 'exceptions', count(*), sum(local_amount), sum(seqr_amount) FROM lake_exceptions($shop_id, $close_seq)
UNION ALL
SELECT 'seqr_rows', count(*), NULL, sum(amount) FROM lake_seqr_rows($shop_id, $close_seq)
UNION ALL
SELECT 'pos_posts', count(*), sum(amount), NULL FROM lake_pos_posts($shop_id, $close_seq)
UNION ALL
SELECT 'periods', count(*), NULL, NULL FROM lake_periods($shop_id, $close_seq)
UNION ALL
SELECT 'closes', count(*), NULL, NULL FROM lake_closes($shop_id, $close_seq);
