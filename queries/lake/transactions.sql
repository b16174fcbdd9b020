-- The lake's `transactions`: every item close the_close of shop the_shop classified, with its category.
-- The columns of the view recon_results; times as UTC instants.
CREATE OR REPLACE TEMP MACRO lake_transactions(the_shop, the_close) AS TABLE
SELECT r.shop_id, r.close_seq, r.period_id, r.item_period_id, r.category, r.local_key, r.seqr_key, r.invoice_key,
       r.terminal_id, r.cashier_id, r.ers_reference, r.invoice_reference, r.local_amount, r.seqr_amount,
       r.difference, CAST(r.posted_at AS TIMESTAMPTZ) AS posted_at, r.detail, r.score
FROM results_of_closes([{'shop_id': the_shop, 'close_seq': the_close}]) r;
