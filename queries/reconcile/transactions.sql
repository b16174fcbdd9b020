-- transactions.csv: every item this close classified, with its category.
SELECT category, shop_id, item_period_id AS period_id, terminal_id, cashier_id, ers_reference,
       invoice_reference, local_amount, seqr_amount, difference, posted_at, detail
FROM recon_results
WHERE shop_id = $shop_id AND close_seq = $close_seq
ORDER BY terminal_id NULLS FIRST, posted_at NULLS FIRST, ers_reference, invoice_reference, local_key, category;
