-- A period id, the moment SEQR returned it.
INSERT INTO periods VALUES ($period_id, $close_id, $shop_id, $close_seq, $terminal_id, $marked_at, $state)
