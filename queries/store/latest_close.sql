-- The shop's newest close, finished or not.
SELECT close_id, shop_id, close_seq, slot, state, label_period_id, error FROM closes
WHERE shop_id = $shop_id ORDER BY close_seq DESC LIMIT 1
