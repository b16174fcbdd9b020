-- What those closes matched now stands in for its post or SEQR row (see 013_item_ledger.sql),
-- but under a reference that has an item still open or resolved by hand, which stays whole.
-- Read between the closes' least and greatest number, so only their part of the table is scanned.
UPDATE settled_items SET archived = true
FROM archiving a
WHERE settled_items.shop_id = a.shop_id AND settled_items.close_seq = a.close_seq AND NOT settled_items.archived
  AND settled_items.close_seq BETWEEN (SELECT min(close_seq) FROM archiving) AND (SELECT max(close_seq) FROM archiving)
  AND (settled_items.file_id IS NOT NULL OR settled_items.seqr_n IS NOT NULL)
  AND NOT EXISTS (SELECT 1 FROM item_firsts f
                  WHERE f.shop_id = settled_items.shop_id AND f.reference = settled_items.reference
                    AND f.settled_close_seq IS NULL)
