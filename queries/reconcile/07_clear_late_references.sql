-- Reconciling a close again forgets the late rows it (and any later close) noted.
DELETE FROM late_references
USING (SELECT unnest(CAST($closes AS STRUCT(shop_id VARCHAR, close_seq BIGINT)[]), recursive := true)) todo
WHERE late_references.shop_id = todo.shop_id AND late_references.close_seq >= todo.close_seq;
