-- What archiving moved out: each close's shop and label period (its reports folder).
SELECT shop_id, label_period_id FROM archiving ORDER BY shop_id, close_seq
