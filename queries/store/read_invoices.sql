-- Reads an invoice-journal file ($path) as read_posts.sql reads posts.
CREATE OR REPLACE TEMP TABLE pos_raw AS
SELECT * FROM read_csv($path, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
    strict_mode = true, store_rejects = true, rejects_table = 'pos_reject_errors', rejects_scan = 'pos_reject_scans',
    columns = {
        'shop_id': 'VARCHAR', 'terminal_id': 'VARCHAR', 'invoice_reference': 'VARCHAR', 'amount': 'VARCHAR',
        'currency': 'VARCHAR', 'sent_at': 'VARCHAR', 'last_status': 'VARCHAR', 'last_polled_at': 'VARCHAR'
    }) WITH ORDINALITY;
