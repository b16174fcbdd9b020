-- Lines of a re-exported invoice-journal file (checked, in pos_staged) that differ from what
-- earlier files of the same name ($file_name) sent, up to $sent_through: the
-- line and 'changed' or 'gone' (see changed_posts.sql).
WITH new_rows AS (
    -- The columns of pos_invoices, in its order, but file_id.
    SELECT line, shop_id, terminal_id, invoice_reference, amount, currency, sent_at, last_status, last_polled_at
    FROM pos_staged
    WHERE line <= $sent_through
),
old_rows AS (
    SELECT * EXCLUDE (file_id) FROM pos_invoices
    WHERE file_id IN (SELECT file_id FROM pos_files WHERE file_name = $file_name AND feed = 'invoices')
),
differing AS (SELECT line FROM (FROM old_rows EXCEPT FROM new_rows) UNION SELECT line FROM (FROM new_rows EXCEPT FROM old_rows))
SELECT d.line, CASE WHEN n.line IS NULL THEN 'gone' ELSE 'changed' END AS what
FROM differing d LEFT JOIN new_rows n ON n.line = d.line
ORDER BY 1;
