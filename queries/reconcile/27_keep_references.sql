-- The references of the items the closes leave open, whose rows each close keeps for the next
-- (schema/022_kept_rows.sql).
INSERT INTO kept_references
SELECT DISTINCT o.shop_id, t.close_seq, o.reference FROM open_items o
JOIN (SELECT unnest(CAST($closes AS STRUCT(shop_id VARCHAR, close_seq BIGINT)[]), recursive := true)) t
  ON t.shop_id = o.shop_id
WHERE o.settled_close_seq IS NULL AND (o.item_key LIKE 'P:%' OR o.item_key LIKE 'S:%');
