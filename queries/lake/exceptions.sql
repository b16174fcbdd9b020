-- The lake's `exceptions`: the rows of exceptions.csv of close $close_seq of shop $shop_id (every category
-- but MATCHED, open items of earlier periods included), with the columns of recon_results and the action.
SELECT r.shop_id, r.close_seq, r.period_id, r.item_period_id, r.category, r.local_key, r.seqr_key, r.invoice_key,
       r.terminal_id, r.cashier_id, r.ers_reference, r.invoice_reference, r.local_amount, r.seqr_amount,
       r.difference, CAST(r.posted_at AS TIMESTAMPTZ) AS posted_at, r.detail, r.score, c.action
FROM results_of_closes([{'shop_id': $shop_id, 'close_seq': $close_seq}]) r JOIN categories c ON c.category = r.category
WHERE r.category <> 'MATCHED'
