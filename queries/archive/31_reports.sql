-- The raw reports SEQR sent for their periods.
DELETE FROM seqr_reports USING periods p, archiving a
WHERE seqr_reports.period_id = p.period_id AND p.shop_id = a.shop_id AND p.close_seq = a.close_seq
