-- An item reopened is open again, unless a close matched it before the shop's latest one.
INSERT INTO open_items
SELECT f.shop_id, f.item_key, f.reference, f.close_seq, f.settled_close_seq FROM item_firsts f
WHERE f.item_key = $item_key
  AND (f.settled_close_seq IS NULL
       OR f.settled_close_seq >= (SELECT max(c.close_seq) FROM close_cursors c WHERE c.shop_id = f.shop_id))
  AND NOT EXISTS (SELECT 1 FROM open_items o WHERE o.shop_id = f.shop_id AND o.item_key = f.item_key)
