-- Exceptions per shop, cashier and category, each item once (items_current), with the amount at risk
-- and how many are still open.
SELECT shop_id, coalesce(cashier_id, '(none)') AS cashier_id, category, count(*) AS items,
       count(*) FILTER (WHERE state IN ('open', 'acknowledged', 'snoozed')) AS still_open,
       sum(at_risk) AS at_risk
FROM items_current
WHERE category <> 'LATE_MATCHED'
GROUP BY ALL
ORDER BY items DESC, shop_id, cashier_id, category;
