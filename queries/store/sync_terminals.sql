-- The configured terminals ($terminals: {terminal_id, shop_id, name} each, every id once).
INSERT INTO terminals (terminal_id, shop_id, name)
SELECT terminal_id, shop_id, name
FROM (SELECT unnest(CAST($terminals AS STRUCT(terminal_id VARCHAR, shop_id VARCHAR, name VARCHAR)[]), recursive := true))
ON CONFLICT (terminal_id) DO UPDATE SET shop_id = excluded.shop_id, name = excluded.name;
