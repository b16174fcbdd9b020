-- Open items the closes matched now (22_settle_firsts.sql): marked with the close, for its
-- self-check, until the shop's next classification (03_clear_open_items.sql).
UPDATE open_items SET settled_close_seq = f.settled_close_seq
FROM item_firsts f
JOIN (SELECT unnest(CAST($closes AS STRUCT(shop_id VARCHAR, close_seq BIGINT)[]), recursive := true)) todo
  ON todo.shop_id = f.shop_id AND f.settled_close_seq = todo.close_seq
WHERE open_items.shop_id = f.shop_id AND open_items.item_key = f.item_key AND open_items.settled_close_seq IS NULL;
