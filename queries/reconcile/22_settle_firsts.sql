-- Items shown before that the closes matched now. A compact MATCHED row was never shown.
-- item_firsts holds each item with its reference (24_first_seen.sql): only the rows between the
-- least and greatest of these references are read, as the windows of 10_classify.sql.
UPDATE item_firsts SET settled_close_seq = m.close_seq
FROM (
    SELECT shop_id, close_seq, item_key
    FROM (SELECT shop_id, close_seq, unnest([local_key, seqr_key, invoice_key]) AS item_key
          FROM round_items WHERE category IN ('MATCHED', 'LATE_MATCHED'))
    WHERE item_key IS NOT NULL
) m
WHERE item_firsts.shop_id = m.shop_id AND item_firsts.item_key = m.item_key AND item_firsts.settled_close_seq IS NULL
  AND item_firsts.reference >= (SELECT min(least(post_reference, ers_reference, invoice_reference)) FROM round_items
                                WHERE category IN ('MATCHED', 'LATE_MATCHED'))
  AND item_firsts.reference <= (SELECT max(greatest(post_reference, ers_reference, invoice_reference)) FROM round_items
                                WHERE category IN ('MATCHED', 'LATE_MATCHED'));
