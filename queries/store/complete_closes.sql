-- The shop's exported closes still whole in the database (not archived), oldest first.
SELECT close_id, shop_id, close_seq, slot, state, label_period_id, error FROM closes
WHERE shop_id = $shop_id AND state IN ('exported', 'emailed') AND archived_at IS NULL ORDER BY close_seq
