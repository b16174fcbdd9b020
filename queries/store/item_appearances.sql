-- Every close that showed the items of one ersReference or invoice reference of a shop, oldest first.
SELECT i.close_seq, i.period_id, i.category, i.terminal_id, i.cashier_id, i.local_amount, i.seqr_amount, i.detail
FROM recon_items i
WHERE i.shop_id = $shop_id AND (i.ers_reference = $reference OR i.invoice_reference = $reference) AND i.category <> 'MATCHED'
ORDER BY i.close_seq, i.category
