-- Loads the lines after $skip_through (0: all) of a validated, normalised staging CSV of invoice-journal rows.
INSERT INTO pos_invoices
SELECT $file_id, line, shop_id, terminal_id, invoice_reference, amount, currency, sent_at,
       NULLIF(last_status, ''), last_polled_at
FROM read_csv($staging, header = true, auto_detect = false, quote = '"', escape = '"',
    columns = {
        'line': 'BIGINT', 'shop_id': 'VARCHAR', 'terminal_id': 'VARCHAR', 'invoice_reference': 'VARCHAR',
        'amount': 'DECIMAL(18,5)', 'currency': 'VARCHAR', 'sent_at': 'TIMESTAMP', 'last_status': 'VARCHAR',
        'last_polled_at': 'TIMESTAMP'
    })
WHERE line > $skip_through;
