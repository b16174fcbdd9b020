-- exceptions.csv: every category but MATCHED, open items of earlier periods
-- included with their original period id; by category, terminal, time.
-- `action` says in one sentence what happened and what to do (table `categories`). The shop's and the
-- terminal's configured names follow their ids.
-- For each close in `closes` ({shop_id, close_seq}, at most one per shop): each
-- shop's rows are in the order above (no sort by shop: a million rows would pay for it).
CREATE OR REPLACE TEMP MACRO close_exceptions(closes) AS TABLE
SELECT r.category, r.shop_id, s.name AS shop_name, r.item_period_id AS period_id, r.terminal_id,
       t.name AS terminal_name, r.cashier_id, r.ers_reference, r.invoice_reference, r.local_amount,
       r.seqr_amount, r.difference, r.posted_at, r.detail, c.action
FROM results_of_closes(closes) r
JOIN categories c ON c.category = r.category
LEFT JOIN shops s ON s.shop_id = r.shop_id
LEFT JOIN terminals t ON t.terminal_id = r.terminal_id
WHERE r.category <> 'MATCHED'
ORDER BY r.category, r.terminal_id NULLS FIRST, r.posted_at NULLS FIRST, r.ers_reference, r.invoice_reference, r.local_key;
