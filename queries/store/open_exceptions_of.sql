-- The open exceptions of one ersReference or invoice reference.
SELECT category, local_key, seqr_key, invoice_key FROM v_exceptions_open
WHERE shop_id = $shop_id AND (ers_reference = $reference OR invoice_reference = $reference)
ORDER BY category, local_key, seqr_key
