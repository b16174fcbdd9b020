-- What recomputing a close changed: with $added, classifications the new result has and the kept one
-- (recompute_before, from keep_result_before.sql) lacks; without, the reverse. When an item was
-- first shown is not its classification.
WITH fresh AS (SELECT * EXCLUDE (period_id, first_close_seq, post_first_close_seq)
               FROM results_of_closes([{'shop_id': $shop_id, 'close_seq': $close_seq}])),
     kept AS (SELECT * EXCLUDE (period_id, first_close_seq, post_first_close_seq) FROM recompute_before),
     changed AS (
         SELECT * FROM (SELECT * FROM fresh EXCEPT ALL SELECT * FROM kept) WHERE $added
         UNION ALL
         SELECT * FROM (SELECT * FROM kept EXCEPT ALL SELECT * FROM fresh) WHERE NOT $added)
SELECT category, concat_ws(' ', local_key, seqr_key, invoice_key), coalesce(detail, '') FROM changed
ORDER BY 1, 2, 3
