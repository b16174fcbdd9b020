SELECT terminal_id, shop_id, name, external_id, seqr_id, registered_at, unregistered_at
FROM terminals ORDER BY shop_id, name
