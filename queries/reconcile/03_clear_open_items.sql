-- Reconciling a close again forgets the open items it (and any later close) first showed, and
-- those matched since an earlier close: what earlier closes matched is settled for good, and
-- what these closes or later ones matched is open again (04_reopen_open_items.sql).
DELETE FROM open_items
USING (SELECT unnest(CAST($closes AS STRUCT(shop_id VARCHAR, close_seq BIGINT)[]), recursive := true)) todo
WHERE open_items.shop_id = todo.shop_id
  AND (open_items.close_seq >= todo.close_seq OR open_items.settled_close_seq IS NOT NULL);
