-- Every SEQR row under the references the closes keep, as 27_keep_posts.sql keeps the posts.
INSERT INTO kept_seqr_rows
SELECT k.close_seq, r.* FROM kept_seqr_rows_of($closes) r
JOIN keeping($closes) k ON k.shop_id = r.shop_id AND k.reference = r.ers_reference AND k.kept_before
UNION ALL
SELECT k.close_seq, r.* FROM seqr_rows r
JOIN keeping($closes) k ON k.shop_id = r.shop_id AND k.reference = r.ers_reference AND NOT k.kept_before;
