-- The close that stands for a cron slot.
SELECT close_id, shop_id, close_seq, slot, state, label_period_id, error FROM closes
WHERE shop_id = $shop_id AND slot = $slot
