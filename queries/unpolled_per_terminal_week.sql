-- Payments SEQR reversed because the till stopped polling (UNPOLLED_REVERSED), each invoice once
-- (items_current), per shop, terminal and ISO week of the shop's calendar.
SELECT shop_id, terminal_id, terminal_name, strftime(shop_date(shop_id, posted_at), '%G-W%V') AS week,
       count(*) AS invoices, sum(local_amount) AS amount,
       count(*) FILTER (WHERE state IN ('open', 'acknowledged', 'snoozed')) AS still_open
FROM items_current
WHERE category = 'UNPOLLED_REVERSED'
GROUP BY ALL
ORDER BY shop_id, week, terminal_id;
