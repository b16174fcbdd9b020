-- Every change to the items of one ersReference or invoice reference of a shop, oldest first.
SELECT event_at, event, item_key, until, how, note, by_user FROM item_events
WHERE shop_id = $shop_id AND reference = $reference
ORDER BY event_at, item_key
