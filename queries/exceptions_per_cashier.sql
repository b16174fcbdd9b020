-- Exceptions per cashier and category over all closes (each item counted once).
SELECT shop_id, coalesce(cashier_id, '(none)') AS cashier_id, category, count(DISTINCT coalesce(local_key, seqr_key, invoice_key)) AS items
FROM recon_results
WHERE category NOT IN ('MATCHED', 'LATE_MATCHED')
GROUP BY ALL
ORDER BY items DESC, shop_id, cashier_id, category;
