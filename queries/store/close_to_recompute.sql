-- The close a period belongs to, and the shop's latest close number.
SELECT c.shop_id, c.close_seq, c.label_period_id, c.state,
       (SELECT max(close_seq) FROM closes l WHERE l.shop_id = c.shop_id)
FROM closes c
WHERE c.label_period_id = $period_id OR c.close_id IN (SELECT close_id FROM periods WHERE period_id = $period_id)
