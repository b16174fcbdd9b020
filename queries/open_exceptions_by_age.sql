-- Open exceptions, oldest first: each item once (items_current), its age in the shop's days since
-- the close that first showed it, its amount at risk, where it stands and what to do.
SELECT i.shop_id, i.category, i.state, i.ers_reference, i.invoice_reference, i.terminal_id, i.terminal_name,
       i.cashier_id, i.local_amount, i.seqr_amount, i.at_risk,
       shop_date(i.shop_id, i.first_seen_at) AS first_seen,
       date_diff('day', shop_date(i.shop_id, i.first_seen_at), shop_today(i.shop_id)) AS age_days,
       i.state_note, c.action
FROM items_current i JOIN categories c ON c.category = i.category
WHERE i.listed_now AND i.state IN ('open', 'acknowledged', 'snoozed') AND c.is_exception
ORDER BY age_days DESC NULLS LAST, i.at_risk DESC, i.shop_id, i.ers_reference, i.invoice_reference;
