DELETE FROM close_cursors
USING (SELECT unnest(CAST($closes AS STRUCT(shop_id VARCHAR, close_seq BIGINT)[]), recursive := true)) todo
WHERE close_cursors.shop_id = todo.shop_id AND close_cursors.close_seq >= todo.close_seq;
