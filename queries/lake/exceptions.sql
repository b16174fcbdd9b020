-- The lake's `exceptions`: the rows of exceptions.csv of close the_close of shop the_shop (every category
-- but MATCHED, open items of earlier periods included), with the columns of recon_results and the action.
CREATE OR REPLACE TEMP MACRO lake_exceptions(the_shop, the_close) AS TABLE
SELECT r.shop_id, r.close_seq, r.period_id, r.item_period_id, r.category, r.local_key, r.seqr_key, r.invoice_key,
       r.terminal_id, r.cashier_id, r.ers_reference, r.invoice_reference, r.local_amount, r.seqr_amount,
       r.difference, CAST(r.posted_at AS TIMESTAMPTZ) AS posted_at, r.detail, r.score, c.action
FROM results_of_closes([{'shop_id': the_shop, 'close_seq': the_close}]) r JOIN categories c ON c.category = r.category
WHERE r.category <> 'MATCHED';
