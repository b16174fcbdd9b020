-- An item resolved by hand is no longer open.
DELETE FROM open_items WHERE item_key = $item_key
