INSERT INTO terminals (terminal_id, shop_id, name) VALUES ($terminal_id, $shop_id, $name)
ON CONFLICT (terminal_id) DO UPDATE SET shop_id = excluded.shop_id, name = excluded.name
