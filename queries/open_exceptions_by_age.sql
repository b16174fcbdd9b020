-- Open exceptions (view v_exceptions_open: each shop's latest classification, not
-- resolved by hand), oldest first, with their age in days counted from the period
-- they first belonged to, and what to do about each.
SELECT o.shop_id, o.category, o.period_id, o.terminal_id, o.ers_reference, o.invoice_reference,
       o.local_amount, o.seqr_amount,
       date_diff('day', CAST(p.marked_at AS DATE), CAST(CAST(now() AS TIMESTAMP) AS DATE)) AS age_days,
       o.action
FROM v_exceptions_open o LEFT JOIN periods p ON p.period_id = o.period_id
ORDER BY age_days DESC NULLS LAST, o.shop_id, o.category, o.ers_reference, o.invoice_reference;
