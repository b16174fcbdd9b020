DELETE FROM seqr_summaries USING periods p, archiving a
WHERE seqr_summaries.period_id = p.period_id AND p.shop_id = a.shop_id AND p.close_seq = a.close_seq
