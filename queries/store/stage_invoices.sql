-- Reads an invoice-journal file ($path) into pos_staged as stage_posts.sql
-- reads transaction posts; the invoice reference is also `reference`.
CREATE OR REPLACE TEMP TABLE pos_staged AS
WITH trimmed AS (
    SELECT r.ordinality + 1 AS line, trim(r.shop_id) AS shop_id, trim(r.terminal_id) AS terminal_id,
           trim(r.invoice_reference) AS invoice_reference, trim(r.amount) AS amount_text, trim(r.currency) AS currency,
           trim(r.sent_at) AS sent_at_text, NULLIF(trim(r.last_status), '') AS last_status,
           NULLIF(trim(r.last_polled_at), '') AS last_polled_at_text
    FROM read_csv($path, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
        strict_mode = true, store_rejects = true, rejects_table = 'pos_reject_errors', rejects_scan = 'pos_reject_scans',
        columns = {
            'shop_id': 'VARCHAR', 'terminal_id': 'VARCHAR', 'invoice_reference': 'VARCHAR', 'amount': 'VARCHAR',
            'currency': 'VARCHAR', 'sent_at': 'VARCHAR', 'last_status': 'VARCHAR', 'last_polled_at': 'VARCHAR'
        }) WITH ORDINALITY r
)
SELECT t.*, t.invoice_reference AS reference, s.currency AS shop_currency,
       pos_amount(t.amount_text) AS amount,
       pos_time(t.sent_at_text) AS sent_at,
       pos_time(t.last_polled_at_text) AS last_polled_at
FROM trimmed t LEFT JOIN pos_shops s ON s.shop_id = t.shop_id;
