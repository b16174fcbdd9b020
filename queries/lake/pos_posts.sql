-- The lake's `pos_posts`: the posts close the_close of shop the_shop was the first to classify. A post
-- left open is classified again by later closes; it belongs to the first, so the lake holds it once.
-- An earlier close that classified a post showed it as an exception (a matched post is never
-- classified again), and the close's row says so (recon_items.post_first_close_seq).
CREATE OR REPLACE TEMP MACRO lake_pos_posts(the_shop, the_close) AS TABLE
WITH first_close AS (
    SELECT DISTINCT coalesce(i.local_file_id, CAST(split_part(i.local_key, ':', 2) AS BIGINT)) AS file_id,
           coalesce(i.local_line, CAST(split_part(i.local_key, ':', 3) AS BIGINT)) AS line
    FROM recon_items i
    WHERE i.shop_id = the_shop AND i.close_seq = the_close
      AND (i.local_file_id IS NOT NULL OR i.local_key LIKE 'P:%') AND i.post_first_close_seq IS NULL
)
SELECT p.shop_id, CAST(the_close AS BIGINT) AS close_seq, p.file_id, p.line, p.terminal_id, p.cashier_id,
       p.ers_reference, p.invoice_reference, p.amount, p.currency, p.kind, p.description,
       CAST(p.posted_at AS TIMESTAMPTZ) AS posted_at
FROM pos_posts p JOIN first_close f ON f.file_id = p.file_id AND f.line = p.line
WHERE p.shop_id = the_shop;
