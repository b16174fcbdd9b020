-- The tills' invoice journal lines of one invoice reference of a shop, with the file each came from.
SELECT f.file_name, i.line, i.terminal_id, i.amount, i.sent_at, i.last_status, i.last_polled_at
FROM pos_invoices i JOIN pos_files f ON f.file_id = i.file_id
WHERE i.shop_id = $shop_id AND i.invoice_reference = $reference
ORDER BY i.file_id, i.line
