-- Loads the lines after $skip_through (0: all) of a validated, normalised staging CSV of transaction posts.
INSERT INTO pos_posts
SELECT $file_id, line, shop_id, terminal_id, NULLIF(cashier_id, ''), ers_reference, NULLIF(invoice_reference, ''),
       amount, currency, kind, description, posted_at
FROM read_csv($staging, header = true, auto_detect = false, quote = '"', escape = '"',
    columns = {
        'line': 'BIGINT', 'shop_id': 'VARCHAR', 'terminal_id': 'VARCHAR', 'cashier_id': 'VARCHAR',
        'ers_reference': 'VARCHAR', 'invoice_reference': 'VARCHAR', 'amount': 'DECIMAL(18,5)',
        'currency': 'VARCHAR', 'kind': 'VARCHAR', 'description': 'VARCHAR', 'posted_at': 'TIMESTAMP'
    })
WHERE line > $skip_through;
