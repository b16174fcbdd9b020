-- Moves a close to a state, with the error that stopped it, if any: the close
-- as it now stands (the columns of CloseRow, in its order).
UPDATE closes SET state = $state, error = $error, updated_at = now() WHERE close_id = $close_id
RETURNING close_id, shop_id, close_seq, slot, state, label_period_id, error
