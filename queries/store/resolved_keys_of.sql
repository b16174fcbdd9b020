-- The items of one ersReference or invoice reference of a shop that stand resolved by hand.
SELECT DISTINCT e.item_key FROM item_events e
WHERE e.shop_id = $shop_id AND e.reference = $reference
  AND e.item_key IN (SELECT item_key FROM exception_resolutions)
ORDER BY e.item_key
