-- A shop keeps the rows of its previous classification and of the close it classifies now
-- (schema/022_kept_rows.sql): the generations stale_kept names go.
DELETE FROM kept_settled_items USING stale_kept($closes) todo
WHERE kept_settled_items.shop_id = todo.shop_id AND (kept_settled_items.kept_close_seq < todo.previous_seq OR kept_settled_items.kept_close_seq >= todo.close_seq);
