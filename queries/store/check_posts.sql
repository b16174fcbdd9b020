-- Every problem of the staged transaction posts (stage_posts.sql): its line,
-- column, what is wrong (a word src/store/ingest.rs turns into a sentence) and
-- the value as written, with the row's shop and that shop's currency, in line
-- order and, within a line, in column order. Those both feeds can have come
-- from pos_common_problems (common_problems.sql).
SELECT p.line, p.col, p.problem, p.value, s.shop_id, s.shop_currency
FROM (
    FROM pos_common_problems('ers_reference')
    UNION ALL
    SELECT line, 'amount', 'not_positive', amount_text, 4 FROM pos_staged WHERE kind = 'PAYMENT' AND amount <= 0
    UNION ALL
    SELECT line, 'amount', 'not_negative', amount_text, 4 FROM pos_staged WHERE kind = 'REFUND' AND amount >= 0
    UNION ALL
    SELECT line, 'kind', 'unknown_kind', coalesce(kind, ''), 5 FROM pos_staged WHERE coalesce(kind, '') NOT IN ('PAYMENT', 'REFUND')
    UNION ALL
    SELECT line, 'cashier_id', 'too_long_100', CAST(length(cashier_id) AS VARCHAR), 2 FROM pos_staged
    WHERE length(cashier_id) > 100
    UNION ALL
    SELECT line, 'invoice_reference', 'too_long_64', CAST(length(invoice_reference) AS VARCHAR), 3 FROM pos_staged
    WHERE length(invoice_reference) > 64
    UNION ALL
    SELECT line, 'description', 'too_long_1000', CAST(length(description) AS VARCHAR), 5 FROM pos_staged
    WHERE length(description) > 1000
    UNION ALL
    SELECT line, 'posted_at', 'not_a_time', coalesce(posted_at_text, ''), 6 FROM pos_staged WHERE posted_at IS NULL
) p JOIN pos_staged s ON s.line = p.line
ORDER BY p.line, p.n;
