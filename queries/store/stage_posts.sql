-- Reads a transaction-post file ($path) with DuckDB's CSV reader into
-- pos_staged: every column as written, trimmed, and typed where it is good
-- (pos_values.sql), and the ERS reference again as `reference`, the name
-- pos_common_problems reads. A value that is not good is NULL here, and
-- check_posts.sql names it. A line the reader cannot take (wrong number of
-- columns, bad quoting, not UTF-8) goes to pos_reject_errors with its line.
-- Each row's line is its place among the rows read, plus one for the header:
-- right unless the reader skipped a line, which renumber_staged.sql mends.
CREATE OR REPLACE TEMP TABLE pos_staged AS
WITH trimmed AS (
    SELECT r.ordinality + 1 AS line, trim(r.shop_id) AS shop_id, trim(r.terminal_id) AS terminal_id,
           NULLIF(trim(r.cashier_id), '') AS cashier_id, trim(r.ers_reference) AS ers_reference,
           NULLIF(trim(r.invoice_reference), '') AS invoice_reference, trim(r.amount) AS amount_text,
           trim(r.currency) AS currency, trim(r.kind) AS kind, NULLIF(r.description, '') AS description,
           trim(r.posted_at) AS posted_at_text
    FROM read_csv($path, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
        strict_mode = true, store_rejects = true, rejects_table = 'pos_reject_errors', rejects_scan = 'pos_reject_scans',
        columns = {
            'shop_id': 'VARCHAR', 'terminal_id': 'VARCHAR', 'cashier_id': 'VARCHAR', 'ers_reference': 'VARCHAR',
            'invoice_reference': 'VARCHAR', 'amount': 'VARCHAR', 'currency': 'VARCHAR', 'kind': 'VARCHAR',
            'description': 'VARCHAR', 'posted_at': 'VARCHAR'
        }) WITH ORDINALITY r
)
SELECT t.*, t.ers_reference AS reference, s.currency AS shop_currency,
       pos_amount(t.amount_text) AS amount,
       pos_time(t.posted_at_text) AS posted_at
FROM trimmed t LEFT JOIN pos_shops s ON s.shop_id = t.shop_id;
