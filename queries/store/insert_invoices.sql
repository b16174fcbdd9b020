-- Loads the checked invoice-journal rows (stage_invoices.sql) after line $skip_through (0: all) as file $file_id.
INSERT INTO pos_invoices
SELECT $file_id, line, shop_id, terminal_id, invoice_reference, amount, currency, sent_at, last_status, last_polled_at
FROM pos_staged
WHERE line > $skip_through;
