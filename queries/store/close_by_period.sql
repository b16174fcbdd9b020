-- The close a period labels or belongs to.
SELECT close_id, shop_id, close_seq, slot, state, label_period_id, error FROM closes
WHERE shop_id = $shop_id AND (label_period_id = $period_id OR close_id IN (SELECT close_id FROM periods WHERE period_id = $period_id))
