-- Items the closes show as exceptions for the first time.
INSERT INTO item_firsts
WITH n AS (
    SELECT shop_id, local_key AS item_key, post_reference AS reference, close_seq, item_period_id, category
    FROM round_items WHERE category NOT IN ('MATCHED', 'LATE_MATCHED') AND local_key IS NOT NULL
    UNION ALL
    SELECT shop_id, seqr_key, ers_reference, close_seq, item_period_id, category
    FROM round_items WHERE category NOT IN ('MATCHED', 'LATE_MATCHED') AND seqr_key LIKE 'S:%'
    UNION ALL
    SELECT shop_id, invoice_key, invoice_reference, close_seq, item_period_id, category
    FROM round_items WHERE category NOT IN ('MATCHED', 'LATE_MATCHED') AND invoice_key IS NOT NULL
),
-- An item seen before has a row of the same reference: only those between the least and greatest
-- of these references are read, as the windows of 10_classify.sql.
seen AS (
    SELECT shop_id, reference, item_key FROM item_firsts
    WHERE reference >= (SELECT min(reference) FROM n) AND reference <= (SELECT max(reference) FROM n)
)
SELECT n.shop_id, n.item_key, n.reference, n.close_seq, n.item_period_id, n.category, NULL
FROM n ANTI JOIN seen f ON f.shop_id = n.shop_id AND f.reference = n.reference AND f.item_key = n.item_key
QUALIFY row_number() OVER (PARTITION BY n.shop_id, n.item_key ORDER BY n.category) = 1;
