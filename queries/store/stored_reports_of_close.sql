-- The raw reports a close was reconciled from, for recomputing it.
SELECT r.period_id, r.report_id, r.terminal_id, r.report_compressed FROM seqr_reports r
JOIN periods p USING (period_id)
WHERE p.shop_id = $shop_id AND p.close_seq = $close_seq
ORDER BY r.period_id, r.report_id
