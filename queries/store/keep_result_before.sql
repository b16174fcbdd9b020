-- The stored result of a close, kept while it is recomputed (compared by result_changes.sql).
CREATE OR REPLACE TEMP TABLE recompute_before AS
SELECT * FROM results_of_closes([{'shop_id': $shop_id, 'close_seq': $close_seq}])
