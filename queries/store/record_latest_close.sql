-- The close just recorded is its shop's newest.
INSERT INTO latest_closes (shop_id, close_id, close_seq) VALUES ($shop_id, $close_id, $close_seq)
ON CONFLICT (shop_id) DO UPDATE SET close_id = excluded.close_id, close_seq = excluded.close_seq
