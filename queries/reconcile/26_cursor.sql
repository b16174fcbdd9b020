-- The POS files each close has seen and its first mark (a close with no mark writes none).
INSERT INTO close_cursors
SELECT t.shop_id, t.close_seq, (SELECT coalesce(max(file_id), 0) FROM pos_files), min(p.marked_at)
FROM (SELECT unnest(CAST($closes AS STRUCT(shop_id VARCHAR, close_seq BIGINT)[]), recursive := true)) t
JOIN periods p ON p.shop_id = t.shop_id AND p.close_seq = t.close_seq
GROUP BY t.shop_id, t.close_seq;
