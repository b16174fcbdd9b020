-- An item reopened: its resolution no longer holds (item_events keeps it).
DELETE FROM exception_resolutions WHERE item_key = $item_key
