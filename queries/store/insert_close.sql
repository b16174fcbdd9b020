-- A new close of a shop, in state `intent`.
INSERT INTO closes (close_id, shop_id, close_seq, slot, state, created_at, updated_at)
VALUES ($close_id, $shop_id, $close_seq, $slot, $state, now(), now())
