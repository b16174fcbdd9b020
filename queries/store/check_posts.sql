-- Every problem of the staged transaction posts (stage_posts.sql): its line,
-- column, what is wrong (a word src/store/ingest.rs turns into a sentence) and
-- the value as written, with the row's shop and that shop's currency, in line
-- order and, within a line, in column order.
SELECT p.line, p.col, p.problem, p.value, s.shop_id, s.shop_currency
FROM (
    SELECT line, 'shop_id' AS col, 'unknown_shop' AS problem, shop_id AS value, 0 AS n FROM pos_staged WHERE shop_currency IS NULL
    UNION ALL
    SELECT line, 'currency', 'wrong_currency', currency, 1 FROM pos_staged
    WHERE shop_currency IS NOT NULL AND currency IS DISTINCT FROM shop_currency
    UNION ALL
    SELECT line, 'terminal_id', 'empty', '', 2 FROM pos_staged WHERE coalesce(terminal_id, '') = ''
    UNION ALL
    SELECT line, 'ers_reference', 'empty', '', 3 FROM pos_staged WHERE coalesce(ers_reference, '') = ''
    UNION ALL
    SELECT line, 'amount', CASE
               WHEN NOT pos_decimal(coalesce(amount_text, '')) THEN 'not_decimal'
               WHEN length(split_part(amount_text, '.', 2)) > 5 THEN 'too_many_places'
               ELSE 'too_large' END, coalesce(amount_text, ''), 4
    FROM pos_staged WHERE amount IS NULL
    UNION ALL
    SELECT line, 'amount', 'not_positive', amount_text, 4 FROM pos_staged WHERE kind = 'PAYMENT' AND amount <= 0
    UNION ALL
    SELECT line, 'amount', 'not_negative', amount_text, 4 FROM pos_staged WHERE kind = 'REFUND' AND amount >= 0
    UNION ALL
    SELECT line, 'kind', 'unknown_kind', coalesce(kind, ''), 5 FROM pos_staged WHERE coalesce(kind, '') NOT IN ('PAYMENT', 'REFUND')
    UNION ALL
    SELECT line, 'posted_at', 'not_a_time', coalesce(posted_at_text, ''), 6 FROM pos_staged WHERE posted_at IS NULL
) p JOIN pos_staged s ON s.line = p.line
ORDER BY p.line, p.n;
