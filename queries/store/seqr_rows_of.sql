-- SEQR's rows of one ersReference of a shop, with the report each came from.
SELECT r.period_id, r.report_id, r.row_no, r.terminal_id, r.cashier_id, r.amount,
       p.fetched_at, p.response_sha256, p.client_reference
FROM seqr_rows r
LEFT JOIN seqr_reports p ON p.period_id = r.period_id AND p.report_id = r.report_id
WHERE r.shop_id = $shop_id AND r.ers_reference = $reference
ORDER BY r.period_id, r.report_id, r.row_no
