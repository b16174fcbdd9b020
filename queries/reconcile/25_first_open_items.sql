-- The items the closes showed for the first time (24_first_seen.sql) are open, unless resolved by hand.
INSERT INTO open_items
SELECT f.shop_id, f.item_key, f.reference, f.close_seq, NULL FROM item_firsts f
JOIN (SELECT unnest(CAST($closes AS STRUCT(shop_id VARCHAR, close_seq BIGINT)[]), recursive := true)) todo
  ON todo.shop_id = f.shop_id AND f.close_seq = todo.close_seq
ANTI JOIN exception_resolutions r ON r.item_key = f.item_key;
