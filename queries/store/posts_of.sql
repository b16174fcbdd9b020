-- The tills' posts of one ersReference or invoice reference of a shop, with the file each came from.
SELECT f.file_name, p.line, p.terminal_id, p.cashier_id, p.kind, p.amount, p.posted_at, f.sha256
FROM pos_posts p JOIN pos_files f ON f.file_id = p.file_id
WHERE p.shop_id = $shop_id AND (p.ers_reference = $reference OR p.invoice_reference = $reference)
ORDER BY p.file_id, p.line
