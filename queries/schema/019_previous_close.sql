-- previous_cursors (013_item_ledger.sql) also names the previous close that classified, so the
-- self-check reads the stretch since it from the same place as 10_classify.sql reads the posts.
CREATE OR REPLACE MACRO previous_cursors(closes) AS TABLE
WITH t AS (SELECT unnest(CAST(closes AS STRUCT(shop_id VARCHAR, close_seq BIGINT)[]), recursive := true))
SELECT t.shop_id, arg_max(k.last_file_id, k.close_seq) AS last_file_id, arg_max(k.first_mark_at, k.close_seq) AS first_mark_at,
       max(k.close_seq) AS close_seq
FROM t JOIN close_cursors k ON k.shop_id = t.shop_id AND k.close_seq < t.close_seq
GROUP BY t.shop_id;
