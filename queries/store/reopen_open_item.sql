-- An item reopened (its resolution just dropped) is open again, unless a close matched it before
-- the shop's latest one.
INSERT INTO open_items
SELECT o.* FROM open_in_firsts() o
WHERE o.item_key = $item_key
  AND NOT EXISTS (SELECT 1 FROM open_items x WHERE x.shop_id = o.shop_id AND x.item_key = o.item_key)
