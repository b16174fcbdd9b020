-- What is settled under the references the closes keep (this close's settlements included), as
-- 27_keep_posts.sql keeps the posts.
INSERT INTO kept_settled_items
SELECT k.close_seq, s.* FROM kept_settled_items_of($closes) s
JOIN keeping($closes) k ON k.shop_id = s.shop_id AND k.reference = s.reference AND k.kept_before
UNION ALL
SELECT k.close_seq, s.* FROM settled_items s
JOIN keeping($closes) k ON k.shop_id = s.shop_id AND k.reference = s.reference AND NOT k.kept_before;
