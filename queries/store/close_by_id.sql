-- The close with this id (the columns of CloseRow, in its order).
SELECT close_id, shop_id, close_seq, slot, state, label_period_id, error FROM closes WHERE close_id = $close_id
