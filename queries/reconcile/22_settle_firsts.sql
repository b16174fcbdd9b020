-- Items shown before that the closes matched now. A compact MATCHED row was never shown.
UPDATE item_firsts SET settled_close_seq = m.close_seq
FROM (
    SELECT shop_id, close_seq, local_key AS item_key FROM round_items
    WHERE category IN ('MATCHED', 'LATE_MATCHED') AND local_key IS NOT NULL
    UNION ALL
    SELECT shop_id, close_seq, seqr_key FROM round_items WHERE category IN ('MATCHED', 'LATE_MATCHED') AND seqr_key IS NOT NULL
    UNION ALL
    SELECT shop_id, close_seq, invoice_key FROM round_items
    WHERE category IN ('MATCHED', 'LATE_MATCHED') AND invoice_key IS NOT NULL
) m
WHERE item_firsts.shop_id = m.shop_id AND item_firsts.item_key = m.item_key AND item_firsts.settled_close_seq IS NULL;
