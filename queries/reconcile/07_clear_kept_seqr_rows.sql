-- A shop keeps the rows of its previous classification and of the close it classifies now
-- (schema/022_kept_rows.sql): what it kept before those goes, and what a close it classifies
-- again (or a later one) kept.
DELETE FROM kept_seqr_rows
USING (
    SELECT t.shop_id, t.close_seq, coalesce(s.close_seq, 0) AS previous_seq
    FROM (SELECT unnest(CAST($closes AS STRUCT(shop_id VARCHAR, close_seq BIGINT)[]), recursive := true)) t
    LEFT JOIN previous_cursors($closes) s ON s.shop_id = t.shop_id
) todo
WHERE kept_seqr_rows.shop_id = todo.shop_id AND (kept_seqr_rows.close_seq < todo.previous_seq OR kept_seqr_rows.close_seq >= todo.close_seq);
