-- The stored result of a close, kept while it is recomputed (compared by result_changes.sql).
CREATE OR REPLACE TEMP TABLE recompute_before AS
SELECT * FROM recon_results WHERE shop_id = $shop_id AND close_seq = $close_seq
