-- A shop keeps the rows of its previous classification and of the close it classifies now
-- (schema/022_kept_rows.sql): the generations stale_kept names go.
DELETE FROM kept_posts USING stale_kept($closes) todo
WHERE kept_posts.shop_id = todo.shop_id AND (kept_posts.close_seq < todo.previous_seq OR kept_posts.close_seq >= todo.close_seq);
