INSERT INTO terminals (terminal_id, shop_id, name, external_id, registered_at)
VALUES ($terminal_id, $shop_id, $name, $external_id, now())
ON CONFLICT (terminal_id) DO UPDATE SET name = excluded.name, external_id = excluded.external_id, registered_at = now()
