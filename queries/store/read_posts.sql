-- Reads a transaction-post file ($path) as DuckDB's CSV reader sees it: every
-- column as written (text; the checks in check_posts.sql say what is wrong with
-- a value), each good row numbered in file order (ordinality). A line the
-- reader cannot take (wrong number of columns, bad quoting, not UTF-8) goes to
-- pos_reject_errors with its line, for the refusal to name.
CREATE OR REPLACE TEMP TABLE pos_raw AS
SELECT * FROM read_csv($path, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
    strict_mode = true, store_rejects = true, rejects_table = 'pos_reject_errors', rejects_scan = 'pos_reject_scans',
    columns = {
        'shop_id': 'VARCHAR', 'terminal_id': 'VARCHAR', 'cashier_id': 'VARCHAR', 'ers_reference': 'VARCHAR',
        'invoice_reference': 'VARCHAR', 'amount': 'VARCHAR', 'currency': 'VARCHAR', 'kind': 'VARCHAR',
        'description': 'VARCHAR', 'posted_at': 'VARCHAR'
    }) WITH ORDINALITY;
