-- Reconciling a close again forgets what it (and any later close) stored for later closes.
DELETE FROM settled_items
USING (SELECT unnest(CAST($closes AS STRUCT(shop_id VARCHAR, close_seq BIGINT)[]), recursive := true)) todo
WHERE settled_items.shop_id = todo.shop_id AND settled_items.close_seq >= todo.close_seq;
