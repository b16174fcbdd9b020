-- One change to an item, for the audit trail (item_events).
INSERT INTO item_events VALUES ($shop_id, $item_key, $reference, $event, $until, $how, $note, $by_user, now())
