-- The lake's `transactions`: every item close $close_seq of shop $shop_id classified, with its category.
-- The columns of the view recon_results; times as UTC instants.
SELECT r.shop_id, r.close_seq, r.period_id, r.item_period_id, r.category, r.local_key, r.seqr_key, r.invoice_key,
       r.terminal_id, r.cashier_id, r.ers_reference, r.invoice_reference, r.local_amount, r.seqr_amount,
       r.difference, CAST(r.posted_at AS TIMESTAMPTZ) AS posted_at, r.detail, r.score
FROM results_of_closes([{'shop_id': $shop_id, 'close_seq': $close_seq}]) r
