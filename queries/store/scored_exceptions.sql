-- What close $close_seq of a shop found that is new in it (its own periods' items, and LATE_MATCHED),
-- keyed as the trading-day generator's ground truth keys them.
SELECT r.category,
       coalesce(CASE WHEN r.category = 'UNPOLLED_REVERSED' THEN r.invoice_reference END, r.ers_reference, r.seqr_key)
FROM results_of_closes([{'shop_id': $shop_id, 'close_seq': $close_seq}]) r
WHERE r.category <> 'MATCHED'
  AND (r.category = 'LATE_MATCHED'
       OR r.item_period_id IN (SELECT period_id FROM periods WHERE shop_id = r.shop_id AND close_seq = r.close_seq))
