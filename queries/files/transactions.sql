-- transactions.csv: every item this close classified, with its category. The shop's and the
-- terminal's configured names follow their ids (empty when the config does not name them).
-- For each close in `closes` ({shop_id, close_seq}, at most one per shop): each
-- shop's rows are in the order above (no sort by shop: a million rows would pay for it).
CREATE OR REPLACE TEMP MACRO close_transactions(closes) AS TABLE
SELECT r.category, r.shop_id, s.name AS shop_name, r.item_period_id AS period_id, r.terminal_id,
       t.name AS terminal_name, r.cashier_id, r.ers_reference, r.invoice_reference, r.local_amount,
       r.seqr_amount, r.difference, r.posted_at, r.detail
FROM results_of_closes(closes) r
LEFT JOIN shops s ON s.shop_id = r.shop_id
LEFT JOIN terminals t ON t.terminal_id = r.terminal_id
ORDER BY r.terminal_id NULLS FIRST, r.posted_at NULLS FIRST, r.ers_reference, r.invoice_reference, r.local_key,
         r.category;
