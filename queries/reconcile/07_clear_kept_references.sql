-- A shop keeps the rows of its previous classification and of the close it classifies now
-- (schema/022_kept_rows.sql): the generations stale_kept names go.
DELETE FROM kept_references USING stale_kept($closes) todo
WHERE kept_references.shop_id = todo.shop_id AND (kept_references.close_seq < todo.previous_seq OR kept_references.close_seq >= todo.close_seq);
