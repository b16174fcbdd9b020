UPDATE item_firsts SET settled_close_seq = NULL
FROM (SELECT unnest(CAST($closes AS STRUCT(shop_id VARCHAR, close_seq BIGINT)[]), recursive := true)) todo
WHERE item_firsts.shop_id = todo.shop_id AND item_firsts.settled_close_seq >= todo.close_seq;
