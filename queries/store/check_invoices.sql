-- Every problem of the staged invoice-journal rows (stage_invoices.sql), as
-- check_posts.sql lists those of posts; a status must be one of pos_statuses.
SELECT p.line, p.col, p.problem, p.value, s.shop_id, s.shop_currency
FROM (
    SELECT line, 'shop_id' AS col, 'unknown_shop' AS problem, shop_id AS value, 0 AS n FROM pos_staged WHERE shop_currency IS NULL
    UNION ALL
    SELECT line, 'currency', 'wrong_currency', currency, 1 FROM pos_staged
    WHERE shop_currency IS NOT NULL AND currency IS DISTINCT FROM shop_currency
    UNION ALL
    SELECT line, 'terminal_id', 'empty', '', 2 FROM pos_staged WHERE coalesce(terminal_id, '') = ''
    UNION ALL
    SELECT line, 'invoice_reference', 'empty', '', 3 FROM pos_staged WHERE coalesce(invoice_reference, '') = ''
    UNION ALL
    SELECT line, 'amount', CASE
               WHEN NOT pos_decimal(coalesce(amount_text, '')) THEN 'not_decimal'
               WHEN length(split_part(amount_text, '.', 2)) > 5 THEN 'too_many_places'
               ELSE 'too_large' END, coalesce(amount_text, ''), 4
    FROM pos_staged WHERE amount IS NULL
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
