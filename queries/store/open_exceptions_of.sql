-- The open exceptions of one ersReference or invoice reference: v_exceptions_open for one shop,
-- read from its latest classified close only (the view reads every close to find it).
SELECT r.category, r.local_key, r.seqr_key, r.invoice_key
FROM results_of_closes((SELECT list({'shop_id': shop_id, 'close_seq': close_seq}) FROM (
         SELECT shop_id, max(close_seq) AS close_seq FROM close_cursors WHERE shop_id = $shop_id GROUP BY shop_id))) r
JOIN categories c ON c.category = r.category
WHERE c.is_exception AND r.category <> 'MATCHED' AND (r.ers_reference = $reference OR r.invoice_reference = $reference)
  AND NOT EXISTS (SELECT 1 FROM exception_resolutions x WHERE x.item_key IN (r.local_key, r.seqr_key, r.invoice_key))
ORDER BY r.category, r.local_key, r.seqr_key
