-- What is settled under the references the closes keep (this close's settlements included), as
-- 27_keep_posts.sql keeps the posts.
INSERT INTO kept_settled_items
WITH todo AS (SELECT unnest(CAST($closes AS STRUCT(shop_id VARCHAR, close_seq BIGINT)[]), recursive := true)),
keep AS MATERIALIZED (SELECT k.shop_id, k.reference FROM kept_references k SEMI JOIN todo t ON t.shop_id = k.shop_id AND t.close_seq = k.close_seq),
kept_before AS MATERIALIZED (FROM kept_references_of($closes)),
new_to_keep AS MATERIALIZED (SELECT * FROM keep ANTI JOIN kept_before b ON b.shop_id = keep.shop_id AND b.reference = keep.reference)
SELECT t.close_seq, s.* FROM (
    SELECT s.* FROM kept_settled_items_of($closes) s SEMI JOIN keep k ON k.shop_id = s.shop_id AND k.reference = s.reference
    UNION ALL
    SELECT s.* FROM settled_items s SEMI JOIN new_to_keep k ON k.shop_id = s.shop_id AND k.reference = s.reference
) s JOIN todo t ON t.shop_id = s.shop_id;
