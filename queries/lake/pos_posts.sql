-- The lake's `pos_posts`: the posts close $close_seq of shop $shop_id was the first to classify. A post
-- left open is classified again by later closes; it belongs to the first, so the lake holds it once.
WITH classified AS (
    SELECT i.close_seq,
           coalesce(i.local_file_id, CAST(split_part(i.local_key, ':', 2) AS BIGINT)) AS file_id,
           coalesce(i.local_line, CAST(split_part(i.local_key, ':', 3) AS BIGINT)) AS line
    FROM recon_items i
    WHERE i.shop_id = $shop_id AND i.close_seq <= $close_seq
      AND (i.local_file_id IS NOT NULL OR i.local_key LIKE 'P:%')
), first_close AS (
    SELECT file_id, line FROM classified GROUP BY file_id, line HAVING min(close_seq) = $close_seq
)
SELECT p.shop_id, CAST($close_seq AS BIGINT) AS close_seq, p.file_id, p.line, p.terminal_id, p.cashier_id,
       p.ers_reference, p.invoice_reference, p.amount, p.currency, p.kind, p.description,
       CAST(p.posted_at AS TIMESTAMPTZ) AS posted_at
FROM pos_posts p JOIN first_close f ON f.file_id = p.file_id AND f.line = p.line
WHERE p.shop_id = $shop_id
