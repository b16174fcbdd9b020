-- Every problem of the staged invoice-journal rows (stage_invoices.sql), as
-- check_posts.sql lists those of posts; a status must be one of pos_statuses.
SELECT p.line, p.col, p.problem, p.value, s.shop_id, s.shop_currency
FROM (
    FROM pos_common_problems('invoice_reference')
    UNION ALL
    SELECT line, 'sent_at', 'not_a_time', coalesce(sent_at_text, ''), 5 FROM pos_staged WHERE sent_at IS NULL
    UNION ALL
    SELECT line, 'last_status', 'unknown_status', last_status, 6 FROM pos_staged
    WHERE last_status IS NOT NULL AND last_status NOT IN (SELECT status FROM pos_statuses)
    UNION ALL
    SELECT line, 'last_polled_at', 'not_a_time', last_polled_at_text, 7 FROM pos_staged
    WHERE last_polled_at_text IS NOT NULL AND last_polled_at IS NULL
) p JOIN pos_staged s ON s.line = p.line
ORDER BY p.line, p.n;
